package tcapi

import (
	"context"
	"errors"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/store"
)

type applyUploadRequest struct {
	MediaType      string `json:"MediaType" tc:"required"`
	MediaName      string `json:"MediaName"`
	ExpireTime     string `json:"ExpireTime"`
	ClassId        int64  `json:"ClassId"`
	SourceContext  string `json:"SourceContext"`
	SessionContext string `json:"SessionContext"`
	// Procedure names the task flow CommitUpload starts on the media.
	Procedure string `json:"Procedure"`
	// Accepted and ignored.
	CoverType        string `json:"CoverType"`
	StorageRegion    string `json:"StorageRegion"`
	ExtInfo          string `json:"ExtInfo"`
	MediaStoragePath string `json:"MediaStoragePath"`
}

type tempCertificate struct {
	SecretId    string `json:"SecretId"`
	SecretKey   string `json:"SecretKey"`
	Token       string `json:"Token"`
	ExpiredTime int64  `json:"ExpiredTime"`
}

type applyUploadResponse struct {
	StorageBucket    string          `json:"StorageBucket"`
	StorageRegion    string          `json:"StorageRegion"`
	VodSessionKey    string          `json:"VodSessionKey"`
	MediaStoragePath string          `json:"MediaStoragePath"`
	CoverStoragePath string          `json:"CoverStoragePath"`
	TempCertificate  tempCertificate `json:"TempCertificate"`
	// UploadUrl (extension) is where the client PUTs the file's bytes.
	UploadUrl string `json:"UploadUrl"`
}

func (a *API) applyUpload(ctx context.Context, c *call) (any, error) {
	var req applyUploadRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	mediaType, err := checkMediaType(req.MediaType)
	if err != nil {
		return nil, err
	}
	expire, err := parseExpireTime(req.ExpireTime, c.Now)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkMediaName(req.MediaName), checkClassID(req.ClassId),
		checkContexts(req.SourceContext, req.SessionContext, "")); err != nil {
		return nil, err
	}
	// CommitUpload resolves the procedure again, as it is then.
	if _, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, req.Procedure, ""); err != nil {
		return nil, err
	}
	sess := &openvod.UploadSession{
		SessionKey:     openvod.RandomHex(24),
		SubAppID:       c.App.ID,
		MediaType:      mediaType,
		MediaName:      req.MediaName,
		ClassID:        req.ClassId,
		SourceContext:  req.SourceContext,
		SessionContext: req.SessionContext,
		StorageKey:     media.NewStorageKey(c.App.ID, mediaType),
		ExpireTime:     expire,
		CreateTime:     c.Now,
		Deadline:       a.cfg.Media.UploadDeadline(c.Now),
		UploadedSize:   -1,
		Procedure:      req.Procedure,
	}
	uploadURL, err := a.cfg.Media.UploadURL(ctx, sess)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Store.UploadSessionInsert(ctx, sess); err != nil {
		return nil, err
	}
	return &applyUploadResponse{
		StorageBucket:    a.cfg.Media.StorageBucket,
		StorageRegion:    a.cfg.Media.StorageRegion,
		VodSessionKey:    sess.SessionKey,
		MediaStoragePath: "/" + sess.StorageKey,
		TempCertificate:  tempCertificate{ExpiredTime: sess.Deadline.Unix()},
		UploadUrl:        uploadURL,
	}, nil
}

type commitUploadRequest struct {
	VodSessionKey string `json:"VodSessionKey" tc:"required"`
}

type commitUploadResponse struct {
	FileId   string `json:"FileId"`
	MediaUrl string `json:"MediaUrl"`
	CoverUrl string `json:"CoverUrl"`
}

func (a *API) commitUpload(ctx context.Context, c *call) (any, error) {
	var req commitUploadRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	badKey := func(why string) error { return openvod.InvalidValue("VodSessionKey", true, "%s", why) }
	sess, err := a.cfg.Store.UploadSessionGet(ctx, req.VodSessionKey)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && sess.SubAppID != c.App.ID):
		return nil, badKey("no upload session has this key in this app")
	case err != nil:
		return nil, err
	case sess.FileID != "":
		return nil, badKey("this upload session was already committed as FileId " + sess.FileID)
	case c.Now.After(sess.Deadline):
		return nil, badKey("this upload session expired at " + openvod.FormatTime(sess.Deadline))
	}
	proc, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, sess.Procedure, sess.SessionContext)
	if err != nil {
		return nil, err
	}
	key, err := a.cfg.Media.PlaceUpload(ctx, sess)
	switch {
	case errors.Is(err, media.ErrNothingUploaded):
		return nil, badKey("nothing was uploaded: PUT the file to UploadUrl first")
	case errors.Is(err, media.ErrUploadTooLarge):
		return nil, badKey("the uploaded file is too large: " + err.Error())
	case err != nil:
		return nil, err
	}
	m, err := a.cfg.Media.NewMedia(ctx, media.NewMediaParams{
		SubAppID:      c.App.ID,
		Name:          sess.MediaName,
		ClassID:       sess.ClassID,
		Type:          sess.MediaType,
		StorageKey:    key,
		SourceType:    "Upload",
		SourceContext: sess.SourceContext,
		ExpireTime:    sess.ExpireTime,
		Now:           c.Now,
	})
	if err != nil {
		a.cfg.Media.AbandonUpload(ctx, sess, key)
		return nil, err
	}
	err = a.cfg.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if err := q.UploadSessionSetCommitted(ctx, sess.SessionKey, m.FileID); err != nil {
			return err
		}
		if err := q.MediaInsert(ctx, m); err != nil {
			return err
		}
		procID, err := proctask.Start(ctx, q, proc, m, c.Now)
		if err != nil {
			return err
		}
		ev := a.cfg.Media.UploadEvent(m)
		ev.FileUploadEvent.ProcedureTaskId = procID
		return em.Emit(ctx, c.App.ID, ev)
	})
	if errors.Is(err, store.ErrConflict) {
		a.cfg.Media.AbandonUpload(ctx, sess, key)
		return nil, badKey("this upload session was already committed")
	}
	if err != nil {
		// The commit may have happened all the same: the janitor, which
		// checks references, removes the copy if it did not.
		return nil, err
	}
	a.cfg.Media.FinishUpload(ctx, sess, key)
	if proc != nil {
		a.cfg.WakeTasks()
	}
	return &commitUploadResponse{FileId: m.FileID, MediaUrl: a.cfg.Media.URL(m.StorageKey)}, nil
}

type pullUploadRequest struct {
	MediaUrl       string `json:"MediaUrl" tc:"required"`
	MediaType      string `json:"MediaType"`
	MediaName      string `json:"MediaName"`
	ExpireTime     string `json:"ExpireTime"`
	ClassId        int64  `json:"ClassId"`
	SessionContext string `json:"SessionContext"`
	SessionId      string `json:"SessionId"`
	SourceContext  string `json:"SourceContext"`
	// Procedure names the task flow started on the media once pulled,
	// with TasksPriority.
	Procedure     string `json:"Procedure"`
	TasksPriority int64  `json:"TasksPriority"`
	// Accepted and ignored.
	CoverUrl         string `json:"CoverUrl"`
	StorageRegion    string `json:"StorageRegion"`
	ExtInfo          string `json:"ExtInfo"`
	MediaStoragePath string `json:"MediaStoragePath"`
}

type pullUploadResponse struct {
	TaskId string `json:"TaskId"`
}

// SessionWindow is how long a SessionId deduplicates requests: a request
// repeating a SessionId of its app and action within it gets the first
// request's task (store.Querier.TaskInsertOnce decides, in one transaction).
const SessionWindow = 3 * 24 * time.Hour

func (a *API) pullUpload(ctx context.Context, c *call) (any, error) {
	var req pullUploadRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	u, err := url.Parse(req.MediaUrl)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, openvod.InvalidValue("MediaUrl", true, "must be an http or https URL")
	}
	ext := strings.TrimPrefix(path.Ext(u.Path), ".")
	mediaType := req.MediaType
	if mediaType == "" {
		mediaType = ext
	}
	if mediaType == "" {
		mediaType = "mp4"
	}
	if mediaType, err = checkMediaType(mediaType); err != nil {
		return nil, err
	}
	name := req.MediaName
	if name == "" {
		name = strings.TrimSuffix(path.Base(u.Path), path.Ext(u.Path))
	}
	expire, err := parseExpireTime(req.ExpireTime, c.Now)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkMediaName(name), checkClassID(req.ClassId),
		checkContexts(req.SourceContext, req.SessionContext, req.SessionId), checkTasksPriority(req.TasksPriority)); err != nil {
		return nil, err
	}
	proc, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, req.Procedure, req.SessionContext)
	if err != nil {
		return nil, err
	}
	if proc != nil {
		proc.TasksPriority = req.TasksPriority
	}
	in := pulltask.Input{
		MediaUrl:       req.MediaUrl,
		MediaType:      mediaType,
		MediaName:      name,
		ExpireTime:     expire,
		ClassId:        req.ClassId,
		SourceContext:  req.SourceContext,
		SessionContext: req.SessionContext,
		SessionId:      req.SessionId,
		StorageKey:     media.NewStorageKey(c.App.ID, mediaType),
		Procedure:      proc,
	}
	t, err := pulltask.New(c.App.ID, &in, c.Now)
	if err != nil {
		return nil, err
	}
	t.Priority = req.TasksPriority
	stored, err := a.cfg.Store.TaskInsertOnce(ctx, t, c.Now.Add(-SessionWindow))
	if err != nil {
		return nil, err
	}
	if stored.ID == t.ID {
		a.cfg.WakeTasks()
	}
	return &pullUploadResponse{TaskId: stored.ID}, nil
}
