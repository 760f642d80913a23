package s3_test

import (
	"testing"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/blobtest"
	"github.com/openvod/openvod/blob/s3/s3test"
)

func TestConformance(t *testing.T) {
	srv := s3test.Start(t)
	blobtest.Exercise(t, func(t *testing.T) blob.Bucket {
		return s3test.Open(t, srv.NewBucket(t))
	})
}

func TestConformanceWithPrefix(t *testing.T) {
	srv := s3test.Start(t)
	blobtest.Exercise(t, func(t *testing.T) blob.Bucket {
		cfg := srv.NewBucket(t)
		cfg.Prefix = "media/v1"
		return s3test.Open(t, cfg)
	})
}
