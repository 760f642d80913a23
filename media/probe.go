package media

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/mp4"
)

// Probe returns the size of the bytes stored at key and their metadata as
// MediaMetaData JSON. When the container cannot be read, meta is nil and
// metaErr says why; err is only for failures to reach the bytes (also
// when the media store fails while they are read).
func (s *Service) Probe(ctx context.Context, key string) (size int64, meta []byte, metaErr string, err error) {
	p, err := s.probe(ctx, key)
	return p.size, p.meta, p.metaErr, err
}

// probed is what probe read of stored bytes.
type probed struct {
	size    int64
	meta    []byte
	metaErr string
	movie   *mp4.Movie   // the parsed movie, nil when metaErr is set
	id      hls.SourceID // the bytes' identity in the HLS cache
}

// probe is Probe, also returning the parsed movie.
func (s *Service) probe(ctx context.Context, key string) (probed, error) {
	obj, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return probed{}, fmt.Errorf("open %s: %w", key, err)
	}
	defer obj.Close()
	info := obj.Info()
	p := probed{size: info.Size, id: hls.SourceID{Key: key, Size: info.Size, ModTime: info.ModTime.UnixNano()}}
	reads := &blob.ReadErrors{R: obj}
	md, movie, perr := readMetaData(reads, p.size)
	switch {
	case perr != nil && reads.Err() != nil:
		return probed{}, fmt.Errorf("read %s: %w", key, reads.Err())
	case perr != nil:
		p.metaErr = perr.Error()
		return p, nil
	}
	p.movie = movie
	p.meta, err = json.Marshal(md)
	return p, err
}
