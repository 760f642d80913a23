// Package mp4 reads the structure of MP4 (ISO BMFF) and QuickTime MOV files:
// the movie header, the tracks with their edit lists, sample descriptions and
// sample tables, without touching the media data.
//
// [Parse] lists the top-level boxes through an [io.ReaderAt], reads only the
// moov box (at the start or at the end of the file) and, for fragmented files,
// the moof boxes, and returns a [Movie]. [Track.Samples] turns a track's
// run-length sample tables into random and sequential per-sample access
// (decode time, composition offset, size, file offset, sync flag) without
// per-sample allocations, which is what a stream-copy cutter needs.
// [Probe] summarises a file for the media metadata of the VOD API.
//
// Every length read from the file is checked against the enclosing box before
// it is used, and no allocation is sized by a count the box's bytes cannot
// hold. A malformed file yields an error that wraps [ErrInvalid]; reading
// never panics on bad input.
package mp4

//go:generate sh testdata/gen.sh
