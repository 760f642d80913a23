// Package s3 is a blob.Bucket on S3-compatible object storage (AWS S3,
// SeaweedFS, Ceph RGW, Tencent COS's S3 endpoint, versitygw, ...), through
// the AWS SDK for Go v2.
//
// Objects live under an optional key prefix of one bucket. Writes stream:
// Put and Create send the bytes as they come, in parts of a multipart
// upload (one PutObject when the whole object fits in a part), so memory
// stays at one part per writer and an object appears whole or not at all.
// Reads are ranged GETs: Read streams from its offset, and ReadAt serves
// small reads from a cache of aligned blocks, large ones with a GET of
// their bytes, and the reads within a span announced with blob.WillRead
// (the runs a clip copies) from one GET of that span. Clients can also
// move bytes themselves with presigned URLs ([Bucket.PresignPut],
// [Bucket.PresignGet]).
package s3

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/openvod/openvod/blob"
)

// Defaults of Config.
const (
	RegionDefault      = "us-east-1"
	PartSizeDefault    = 8 << 20
	OpTimeoutDefault   = 30 * time.Second
	IdleTimeoutDefault = time.Minute
)

// minPartSize is S3's smallest part but the last.
const minPartSize = 5 << 20

// copyTimeout bounds a server-side copy, which S3 does in one request for
// objects up to 5 GiB.
const copyTimeout = 15 * time.Minute

// Config says which bucket to use and how to reach it. Credentials come
// from the standard AWS chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
// the shared config and credentials files (AWS_PROFILE), web identity, the
// container and instance metadata endpoints.
type Config struct {
	Bucket string
	// Prefix, when set, is put before every key ("media" stores key "a/b"
	// as "media/a/b"); no leading or trailing slash.
	Prefix string
	// Endpoint is the S3 server's URL, such as http://127.0.0.1:9000;
	// empty means AWS.
	Endpoint string
	// PublicEndpoint, when set, is the URL clients reach the server at,
	// used in presigned URLs (the Endpoint otherwise).
	PublicEndpoint string
	// Region is the signing region (RegionDefault when empty).
	Region string
	// PathStyle puts the bucket in the URL path instead of the host name,
	// as most self-hosted servers need.
	PathStyle bool
	// PartSize is the size of the parts of multipart uploads and the memory
	// of one writer (PartSizeDefault when zero; at least 5 MiB).
	PartSize int64
	// OpTimeout bounds each request without a body to stream (OpTimeoutDefault).
	OpTimeout time.Duration
	// IdleTimeout ends a transfer that moves no byte for this long
	// (IdleTimeoutDefault).
	IdleTimeout time.Duration
	// Credentials, when set, replace the standard AWS chain (for tests).
	Credentials aws.CredentialsProvider
}

// Bucket is a blob.Bucket, blob.Presigner, blob.Copier and
// blob.TempCleaner on an S3 bucket. It is safe for concurrent use.
type Bucket struct {
	client    *s3.Client
	presigner *s3.PresignClient
	bucket    string
	prefix    string // "" or the configured prefix with a trailing slash
	partSize  int64
	opTimeout time.Duration
	idle      time.Duration
}

var (
	_ blob.Bucket      = (*Bucket)(nil)
	_ blob.Presigner   = (*Bucket)(nil)
	_ blob.Copier      = (*Bucket)(nil)
	_ blob.TempCleaner = (*Bucket)(nil)
)

// New returns the bucket of cfg, once a request to it has succeeded (so a
// wrong endpoint, bucket or key fails here, not at the first upload).
func New(ctx context.Context, cfg Config) (*Bucket, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob/s3: no bucket given")
	}
	if cfg.Prefix != "" && !blob.ValidKey(cfg.Prefix) {
		return nil, fmt.Errorf("blob/s3: prefix %q is not a clean relative path", cfg.Prefix)
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = PartSizeDefault
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("blob/s3: part size %d is below S3's minimum of 5 MiB", cfg.PartSize)
	}
	opTimeout := cfg.OpTimeout
	if opTimeout <= 0 {
		opTimeout = OpTimeoutDefault
	}
	idle := cfg.IdleTimeout
	if idle <= 0 {
		idle = IdleTimeoutDefault
	}
	region := cfg.Region
	if region == "" {
		region = RegionDefault
	}
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 10 * time.Second }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = 10 * time.Second
			t.ResponseHeaderTimeout = opTimeout
			t.MaxIdleConnsPerHost = 64
		})
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithHTTPClient(httpClient),
		// Checksums only where S3 requires them: many S3-compatible servers
		// reject the trailing checksums the SDK otherwise adds.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		// Directory-backed servers (versitygw's posix backend) answer a PUT
		// that races the removal of an emptied parent directory with this
		// 409; the retry lands once the race is over.
		config.WithRetryer(func() aws.Retryer {
			return retry.AddWithErrorCodes(retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 5 }),
				"ExistingObjectIsDirectory")
		}),
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("blob/s3: load AWS configuration: %w", err)
	}
	clientFor := func(endpoint string) *s3.Client {
		return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			o.UsePathStyle = cfg.PathStyle
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		})
	}
	b := &Bucket{
		client:    clientFor(cfg.Endpoint),
		presigner: s3.NewPresignClient(clientFor(cmp.Or(cfg.PublicEndpoint, cfg.Endpoint))),
		bucket:    cfg.Bucket,
		partSize:  cfg.PartSize,
		opTimeout: opTimeout,
		idle:      idle,
	}
	if cfg.Prefix != "" {
		b.prefix = cfg.Prefix + "/"
	}
	octx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := b.client.HeadBucket(octx, &s3.HeadBucketInput{Bucket: &b.bucket}); err != nil {
		return nil, fmt.Errorf("blob/s3: bucket %q at %s: %w", cfg.Bucket, cmp.Or(cfg.Endpoint, "AWS"), err)
	}
	return b, nil
}

// Name returns the bucket's name.
func (b *Bucket) Name() string { return b.bucket }

// objectKey returns the S3 key of a valid blob key.
func (b *Bucket) objectKey(key string) *string { return aws.String(b.prefix + key) }

// checkKey returns blob.ErrInvalidKey for a key that breaks blob's rules.
func checkKey(key string) error {
	if !blob.ValidKey(key) {
		return fmt.Errorf("blob/s3: key %q: %w", key, blob.ErrInvalidKey)
	}
	return nil
}

// op returns ctx bounded by the timeout of one request.
func (b *Bucket) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.opTimeout)
}

// Stat returns the object's attributes, or blob.ErrNotFound.
func (b *Bucket) Stat(ctx context.Context, key string) (blob.Info, error) {
	info, _, err := b.head(ctx, key)
	return info, err
}

// head returns the object's attributes and ETag.
func (b *Bucket) head(ctx context.Context, key string) (blob.Info, string, error) {
	if err := checkKey(key); err != nil {
		return blob.Info{}, "", err
	}
	ctx, cancel := b.op(ctx)
	defer cancel()
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: b.objectKey(key)})
	if err != nil {
		return blob.Info{}, "", storageError("stat", key, err)
	}
	return blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, aws.ToString(out.ETag), nil
}

// Delete removes the object; deleting a missing key is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := b.op(ctx)
	defer cancel()
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: b.objectKey(key)})
	if err != nil && !isNotFound(err) {
		return storageError("delete", key, err)
	}
	return nil
}

// List returns the objects whose keys start with prefix, sorted by key.
// Objects whose names are not valid keys (put there by something else) are
// left out.
func (b *Bucket) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	in := &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: aws.String(b.prefix + prefix)}
	var infos []blob.Info
	for p := s3.NewListObjectsV2Paginator(b.client, in); p.HasMorePages(); {
		octx, cancel := b.op(ctx)
		page, err := p.NextPage(octx)
		cancel()
		if err != nil {
			return nil, storageError("list", prefix, err)
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), b.prefix)
			if !blob.ValidKey(key) {
				continue
			}
			infos = append(infos, blob.Info{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	return infos, nil
}

// Copy copies the object under src to dst inside the storage.
func (b *Bucket) Copy(ctx context.Context, dst, src string) (blob.Info, error) {
	if err := checkKey(dst); err != nil {
		return blob.Info{}, err
	}
	if err := checkKey(src); err != nil {
		return blob.Info{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, copyTimeout)
	defer cancel()
	_, err := b.client.CopyObject(cctx, &s3.CopyObjectInput{
		Bucket: &b.bucket, Key: b.objectKey(dst), CopySource: aws.String(b.bucket + "/" + b.prefix + src),
	})
	if err != nil {
		return blob.Info{}, storageError("copy from "+src+" to", dst, err)
	}
	return b.Stat(ctx, dst)
}

// PresignPut returns a URL that accepts PUTs of the object until expires.
func (b *Bucket) PresignPut(ctx context.Context, key string, expires time.Time) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	req, err := b.presigner.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: b.objectKey(key)},
		s3.WithPresignExpires(time.Until(expires)))
	if err != nil {
		return "", storageError("presign put", key, err)
	}
	return req.URL, nil
}

// PresignGet returns a URL that reads the object until expires.
func (b *Bucket) PresignGet(ctx context.Context, key string, expires time.Time) (string, error) {
	return b.PresignGetAs(ctx, key, "", expires)
}

// PresignGetAs returns a URL that reads the object until expires, answered
// with Content-Type contentType (S3's response-content-type) unless it is "".
func (b *Bucket) PresignGetAs(ctx context.Context, key, contentType string, expires time.Time) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: b.objectKey(key)}
	if contentType != "" {
		in.ResponseContentType = &contentType
	}
	req, err := b.presigner.PresignGetObject(ctx, in, s3.WithPresignExpires(time.Until(expires)))
	if err != nil {
		return "", storageError("presign get", key, err)
	}
	return req.URL, nil
}

// CleanTemp aborts the multipart uploads under the bucket's prefix started
// more than olderThan ago: those of writers that crashed, whose parts S3
// would otherwise keep (and bill) for ever.
func (b *Bucket) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	in := &s3.ListMultipartUploadsInput{Bucket: &b.bucket, Prefix: aws.String(b.prefix)}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for {
		octx, cancel := b.op(ctx)
		page, err := b.client.ListMultipartUploads(octx, in)
		cancel()
		if err != nil {
			return removed, storageError("list multipart uploads of", b.prefix, err)
		}
		for _, u := range page.Uploads {
			if !aws.ToTime(u.Initiated).Before(cutoff) {
				continue
			}
			if err := b.abort(ctx, aws.ToString(u.Key), aws.ToString(u.UploadId)); err != nil {
				errs = append(errs, err)
				continue
			}
			removed++
		}
		if !aws.ToBool(page.IsTruncated) {
			return removed, errors.Join(errs...)
		}
		in.KeyMarker, in.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
}

// abort aborts a multipart upload of the S3 key objectKey.
func (b *Bucket) abort(ctx context.Context, objectKey, uploadID string) error {
	ctx, cancel := b.op(context.WithoutCancel(ctx))
	defer cancel()
	_, err := b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &b.bucket, Key: &objectKey, UploadId: &uploadID,
	})
	if err != nil && !isNotFound(err) {
		return storageError("abort upload of", objectKey, err)
	}
	return nil
}

// storageError wraps err of an operation on key, mapping a missing object
// to blob.ErrNotFound.
func storageError(op, key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("blob/s3: %s %q: %w", op, key, blob.ErrNotFound)
	}
	return fmt.Errorf("blob/s3: %s %q: %w", op, key, err)
}

// isPreconditionFailed reports whether err is S3's answer to a condition
// (If-Match) that did not hold.
func isPreconditionFailed(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
}

// isNotFound reports whether err says the object (or upload) is missing.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsu *types.NoSuchUpload
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nsu) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}
