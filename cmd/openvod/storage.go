package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	s3blob "github.com/openvod/openvod/blob/s3"
	"github.com/openvod/openvod/media"
)

// storageSettings are the flags that choose and reach the media store.
type storageSettings struct {
	Storage        *string
	Endpoint       *string
	PublicEndpoint *string
	Region         *string
	PathStyle      *bool
	Delivery       *string
}

func (s *setting) storage() storageSettings {
	return storageSettings{
		Storage:        s.String("storage", "OPENVOD_STORAGE", "local", "media store: local (files under <data-dir>/media) or s3://BUCKET[/PREFIX] (S3-compatible object storage; credentials from the standard AWS chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...)"),
		Endpoint:       s.String("s3-endpoint", "OPENVOD_S3_ENDPOINT", "", "URL of the S3 server, such as http://127.0.0.1:8333 (empty: AWS)"),
		PublicEndpoint: s.String("s3-public-endpoint", "OPENVOD_S3_PUBLIC_ENDPOINT", "", "URL clients reach the S3 server at, used in presigned upload and media URLs (default --s3-endpoint)"),
		Region:         s.String("s3-region", "OPENVOD_S3_REGION", s3blob.RegionDefault, "S3 signing region, reported as StorageRegion"),
		PathStyle:      s.Bool("s3-path-style", "OPENVOD_S3_PATH_STYLE", false, "put the bucket in the URL path (true for most self-hosted S3 servers)"),
		Delivery:       s.String("media-delivery", "OPENVOD_MEDIA_DELIVERY", "proxy", "how media URLs answer: proxy (openvod streams the bytes, with Range) or redirect (a 302 to a presigned URL of the S3 store; s3 storage only)"),
	}
}

// mediaStore is the opened media store and the names the API reports.
type mediaStore struct {
	blobs          blob.Bucket
	region, bucket string
	redirect       bool
}

// open opens the media store the settings choose. A local store is
// cleaned of partial files a crash left; an S3 store is shared with other
// servers, whose writes in progress the janitor leaves alone.
func (ss storageSettings) open(ctx context.Context, dataDir string, logger *slog.Logger) (*mediaStore, error) {
	var redirect bool
	switch *ss.Delivery {
	case "proxy":
	case "redirect":
		redirect = true
	default:
		return nil, fmt.Errorf("--media-delivery=%q is not valid: want proxy or redirect", *ss.Delivery)
	}
	if *ss.Storage == "local" {
		if redirect {
			return nil, fmt.Errorf("--media-delivery=redirect needs --storage=s3://...: local files have no presigned URLs")
		}
		blobs, err := local.New(filepath.Join(dataDir, "media"))
		if err != nil {
			return nil, err
		}
		if n, err := blobs.CleanTemp(ctx, 0); err != nil {
			return nil, err
		} else if n > 0 {
			logger.Info("removed partial files left by a crash", "count", n)
		}
		return &mediaStore{blobs: blobs, region: media.LocalStorageRegion, bucket: media.LocalStorageBucket}, nil
	}
	rest, ok := strings.CutPrefix(*ss.Storage, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return nil, fmt.Errorf("--storage=%q is not valid: want local or s3://BUCKET[/PREFIX]", *ss.Storage)
	}
	blobs, err := s3blob.New(ctx, s3blob.Config{
		Bucket: bucket, Prefix: strings.TrimSuffix(prefix, "/"), Endpoint: *ss.Endpoint, PublicEndpoint: *ss.PublicEndpoint,
		Region: *ss.Region, PathStyle: *ss.PathStyle,
	})
	if err != nil {
		return nil, fmt.Errorf("--storage=%s: %w", *ss.Storage, err)
	}
	return &mediaStore{blobs: blobs, region: *ss.Region, bucket: bucket, redirect: redirect}, nil
}
