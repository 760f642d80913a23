// Package clip cuts a time range of a stored MP4 into a new, frame-exact MP4.
//
// Fast precision is a stream copy in pure Go: [PlanFast] reads the parsed
// moov of the source (package mp4) and picks, per track, the samples the
// range needs; [Plan.WriteTo] writes ftyp, moov and mdat in one pass (fast
// start without a rewrite), copying each contiguous byte run of the source
// with one read. Decoding starts at the sync sample at or before the start,
// and an edit list hides the lead-in, so that the first frame shown is the
// frame at the start; the clip ends at the end, B-frames included, and audio
// keeps a hidden pre-roll frame. Nothing is decoded or re-encoded, so a cut
// costs a few milliseconds plus the time to copy the bytes.
//
// Times are presentation times in seconds on the source's timeline, after
// its own edit list: a range is [start, end). The range rules are:
//
//   - a start inside a video frame's display interval snaps back to that
//     frame's time (Plan.EffectiveStart);
//   - the frames shown before the end are kept, and the clip ends at the
//     end (Plan.EffectiveEnd), so its duration is exact;
//   - an end past the source duration by less than one frame is clamped to
//     the duration; a range outside the media is a [*RangeError].
//
// HEVC open GOPs are cut: decoding may start at a CRA picture, whose RASL
// pictures (shown before it, referring to the GOP before it) are left out
// (Plan.Tracks[].Dropped).
//
// A source the fast mode cannot cut exactly (fragmented MP4, several sample
// descriptions, an H.264 open GOP or a non-IDR sync sample where decoding
// would start, an unknown codec, an edit list with several non-empty entries,
// external data references) is reported with an error wrapping
// [ErrUnsupported] whose [*UnsupportedError] says why; the caller can then
// use the exact mode (ffmpeg re-encode). A corrupt or truncated source gives
// an error wrapping [mp4.ErrInvalid] or a read error, never a panic.
//
// [PlanJoin] joins several ranges, of one or several sources, in order into
// one MP4 by stream copy, written in one pass by [JoinPlan.WriteTo] (or
// [JoinFile]): each piece is cut as PlanFast cuts it with HideLeadIn, and
// each track's edit list has one entry per piece, so every piece's lead-in
// and audio pre-roll stay hidden and all its tracks start together. Each
// piece's samples get a constant composition offset (and its edit the same
// media time shift), which players that follow the edit list do not see,
// so that ffmpeg's MP4 demuxer (ffmpeg, Chromium) places every piece's video
// and audio at its start too. Pieces
// whose codec parameters differ give a [*MismatchError] (the caller can
// re-encode); a piece's bad range or source gives a [*PieceError].
//
// [Verify] re-parses an output file and checks it: moov before mdat,
// consistent sample tables, the duration within one frame.
package clip

//go:generate sh testdata/gen.sh
