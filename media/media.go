// Package media turns stored media records and their bytes into what the
// API shows: FileIds, storage keys, URLs, MediaBasicInfo and MediaMetaData.
// It also serves media bytes over HTTP and removes media.
package media

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Storage names reported for local storage (docs/wire.md §3).
const (
	LocalStorageRegion = "local"
	LocalStorageBucket = "openvod"
)

// ClassNameOther is the name Tencent gives ClassId 0.
const ClassNameOther = "其他"

// Service reads and removes media. Its fields must be set before use.
type Service struct {
	Store     store.Store
	Blobs     blob.Bucket
	PublicURL string        // base of handed-out URLs, without a trailing slash
	UploadTTL time.Duration // how long an ApplyUpload session and its URL stay valid
	// MaxUploadSize is the largest upload CommitUpload accepts, in bytes.
	MaxUploadSize int64
	// StorageRegion and StorageBucket name the media store in the API.
	StorageRegion, StorageBucket string
	// Redirect makes media GETs answer with a redirect to a presigned URL
	// of the media store, when Blobs is a blob.Presigner, instead of
	// serving the bytes.
	Redirect bool
	Events   *eventlog.Log
	Logger   *slog.Logger
	// HLS is the cache of packaged sources ServeHLS serves from; when nil,
	// one with the default segment duration is made on first use.
	HLS *hls.Cache
	// HLSBuildBytes bounds the media bytes of the HLS segments being
	// written and sent at once (DefaultHLSBuildBytes when 0); a segment
	// request waits up to HLSBuildWait (DefaultHLSBuildWait when 0) for
	// room, then answers 503 with Retry-After (docs/streaming.md).
	HLSBuildBytes int64
	HLSBuildWait  time.Duration
	hlsOnce       sync.Once
	hlsBuilds     *gate
	hlsBuildBytes int64
	hlsOpenedMu   sync.Mutex
	hlsOpened     map[string]blob.Object // by key: openSource
}

// NewMediaParams describes a media file whose bytes are stored.
type NewMediaParams struct {
	// FileID is the record's FileId when it was reserved (a persistence
	// task's); "" for a fresh one.
	FileID        string
	SubAppID      int64
	Name          string
	ClassID       int64
	Type          string
	StorageKey    string
	SourceType    string
	SourceContext string
	ExpireTime    time.Time
	Now           time.Time
}

// NewMedia returns the record of stored bytes with a fresh FileId (or the
// reserved p.FileID) and the metadata read from the bytes. Unreadable
// metadata is not an error: it is noted in MetaError. The record is not
// inserted. The bytes' HLS index starts being planned in the background
// from the same parse (hls.Cache.Warm).
func (s *Service) NewMedia(ctx context.Context, p NewMediaParams) (*openvod.Media, error) {
	pr, err := s.probe(ctx, p.StorageKey)
	if err != nil {
		return nil, err
	}
	if pr.movie != nil {
		// The first HLS request then finds the index planned (or being
		// planned) from this parse (docs/streaming.md).
		s.hlsCache().Warm(pr.id, pr.movie)
	}
	size, meta, metaErr := pr.size, pr.meta, pr.metaErr
	now := p.Now.UTC().Truncate(time.Second)
	return &openvod.Media{
		FileID:        cmp.Or(p.FileID, openvod.NewFileID()),
		SubAppID:      p.SubAppID,
		Name:          p.Name,
		ClassID:       p.ClassID,
		Type:          p.Type,
		StorageKey:    p.StorageKey,
		Size:          size,
		SourceType:    p.SourceType,
		SourceContext: p.SourceContext,
		MetaData:      meta,
		MetaError:     metaErr,
		CreateTime:    now,
		UpdateTime:    now,
		ExpireTime:    p.ExpireTime,
	}, nil
}

// NewStorageKey returns a fresh blob key for an app's media file of type ext.
func NewStorageKey(subAppID int64, ext string) string {
	return fmt.Sprintf("%d/%s/f0.%s", subAppID, openvod.RandomHex(16), ext)
}

// StoragePrefixes returns blob key prefixes that together cover every key
// NewStorageKey makes for the app, each holding about a sixteenth of them.
func StoragePrefixes(subAppID int64) []string {
	prefixes := make([]string, 0, 16)
	for _, c := range "0123456789abcdef" {
		prefixes = append(prefixes, fmt.Sprintf("%d/%c", subAppID, c))
	}
	return prefixes
}

// URL returns the public URL of a blob key.
func (s *Service) URL(key string) string { return s.PublicURL + "/vod/" + key }

// UploadURL returns the presigned upload URL of an ApplyUpload session:
// the media store's own when it has them (bytes then go straight to
// storage), else openvod's, valid until the session's deadline.
func (s *Service) UploadURL(ctx context.Context, sess *openvod.UploadSession) (string, error) {
	if ds, ok := s.Blobs.(directStore); ok {
		return ds.PresignPut(ctx, sess.StorageKey, sess.Deadline)
	}
	return s.PublicURL + UploadPathPrefix + sess.SessionKey, nil
}

// UploadDeadline returns when an upload session opened at now ends.
func (s *Service) UploadDeadline(now time.Time) time.Time {
	return now.Add(s.UploadTTL).Truncate(time.Second)
}

// Category returns Video, Audio or Image for a media record.
func Category(m *openvod.Media, meta *vodevent.MediaMetaData) string {
	if meta != nil && len(meta.VideoStreamSet) == 0 && len(meta.AudioStreamSet) > 0 {
		return "Audio"
	}
	switch strings.ToLower(m.Type) {
	case "mp3", "m4a", "aac", "wav", "flac", "ogg", "opus":
		return "Audio"
	case "jpg", "jpeg", "png", "gif", "webp", "bmp":
		return "Image"
	}
	return "Video"
}

// BasicInfo returns the MediaBasicInfo of m.
func (s *Service) BasicInfo(m *openvod.Media) *vodevent.MediaBasicInfo {
	className := ""
	if m.ClassID == 0 {
		className = ClassNameOther
	}
	return &vodevent.MediaBasicInfo{
		Name:          m.Name,
		Description:   m.Description,
		CreateTime:    openvod.FormatTime(m.CreateTime),
		UpdateTime:    openvod.FormatTime(m.UpdateTime),
		ExpireTime:    openvod.FormatTime(m.ExpireTime),
		ClassId:       m.ClassID,
		ClassName:     className,
		ClassPath:     className,
		CoverUrl:      "",
		Type:          m.Type,
		MediaUrl:      s.URL(m.StorageKey),
		SourceInfo:    &vodevent.MediaSourceData{SourceType: m.SourceType, SourceContext: m.SourceContext},
		StorageRegion: s.StorageRegion,
		StoragePath:   "/" + m.StorageKey,
		TagSet:        []string{},
		Vid:           "",
		Category:      Category(m, MetaData(m)),
		Status:        "Normal",
		StorageClass:  "STANDARD",
	}
}

// MetaData decodes the stored metadata of m. When it could not be read, the
// result holds only the size (never invented values).
func MetaData(m *openvod.Media) *vodevent.MediaMetaData {
	meta := &vodevent.MediaMetaData{}
	if len(m.MetaData) > 0 {
		if err := json.Unmarshal(m.MetaData, meta); err != nil {
			meta = &vodevent.MediaMetaData{}
		}
	}
	meta.Size = m.Size
	if meta.VideoStreamSet == nil {
		meta.VideoStreamSet = []vodevent.MediaVideoStreamItem{}
	}
	if meta.AudioStreamSet == nil {
		meta.AudioStreamSet = []vodevent.MediaAudioStreamItem{}
	}
	return meta
}

// UploadEvent returns the NewFileUpload event announcing m.
func (s *Service) UploadEvent(m *openvod.Media) *vodevent.EventContent {
	return &vodevent.EventContent{
		EventType: vodevent.TypeNewFileUpload,
		FileUploadEvent: &vodevent.FileUploadTask{
			FileId: m.FileID, MediaBasicInfo: s.BasicInfo(m), MetaData: MetaData(m),
		},
	}
}

// DeleteEvent returns the FileDeleted event of the parts of a media file
// removed, of the whole file when there are none.
func DeleteEvent(fileID string, parts ...vodevent.MediaDeleteItem) *vodevent.EventContent {
	return &vodevent.EventContent{
		EventType: vodevent.TypeFileDeleted,
		FileDeleteEvent: &vodevent.FileDeleteTask{
			FileIdSet:            []string{fileID},
			FileDeleteResultInfo: []vodevent.FileDeleteResultItem{{FileId: fileID, DeleteParts: append([]vodevent.MediaDeleteItem{}, parts...)}},
		},
	}
}

// Delete removes an app's media record and its outputs, with its
// FileDeleted event, and then their bytes. It returns store.ErrNotFound for
// unknown media. The records go first: a crash between the two leaves
// unreferenced blobs for the janitor, never a record without bytes.
func (s *Service) Delete(ctx context.Context, subAppID int64, fileID string) error {
	var keys []string
	err := s.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		m, err := q.MediaGet(ctx, subAppID, fileID)
		if err != nil {
			return err
		}
		outputs, err := q.MediaOutputList(ctx, subAppID, []string{fileID})
		if err != nil {
			return err
		}
		if err := q.MediaDelete(ctx, subAppID, fileID); err != nil {
			return err
		}
		keys = append([]string{m.StorageKey}, outputKeys(outputs)...)
		return em.Emit(ctx, subAppID, DeleteEvent(fileID))
	})
	if err != nil {
		return err
	}
	s.DeleteBlobs(ctx, fileID, keys)
	return nil
}

// outputKeys returns the blob keys of outputs.
func outputKeys(outputs []*openvod.MediaOutput) []string {
	var keys []string
	for _, o := range outputs {
		keys = append(keys, o.Keys...)
	}
	return keys
}

// deleteParallel is how many blob deletes DeleteBlobs runs at once (an
// adaptive stream has thousands of segments).
const deleteParallel = 8

// DeleteBlobs deletes the blobs of records of fileID removed from the
// store, a few at once. A blob not deleted is logged and left to the
// janitor, which removes objects no record refers to.
func (s *Service) DeleteBlobs(ctx context.Context, fileID string, keys []string) {
	var wg sync.WaitGroup
	next := make(chan string)
	for range min(deleteParallel, len(keys)) {
		wg.Go(func() {
			for k := range next {
				if err := s.Blobs.Delete(ctx, k); err != nil {
					s.Logger.Warn("media bytes not deleted; the janitor will retry", "file_id", fileID, "key", k, "err", err)
				}
			}
		})
	}
	for _, k := range keys {
		next <- k
	}
	close(next)
	wg.Wait()
}
