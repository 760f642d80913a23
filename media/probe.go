package media

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/openvod/openvod/blob"
)

// Probe returns the size of the bytes stored at key and their metadata as
// MediaMetaData JSON. When the container cannot be read, meta is nil and
// metaErr says why; err is only for failures to reach the bytes (also
// when the media store fails while they are read).
func (s *Service) Probe(ctx context.Context, key string) (size int64, meta []byte, metaErr string, err error) {
	obj, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return 0, nil, "", fmt.Errorf("open %s: %w", key, err)
	}
	defer obj.Close()
	size = obj.Info().Size
	reads := &blob.ReadErrors{R: obj}
	md, perr := readMetaData(reads, size)
	switch {
	case perr != nil && reads.Err() != nil:
		return 0, nil, "", fmt.Errorf("read %s: %w", key, reads.Err())
	case perr != nil:
		return size, nil, perr.Error(), nil
	}
	meta, err = json.Marshal(md)
	return size, meta, "", err
}
