// Package console serves openvod's web console at /console/: its pages,
// embedded from web/, and a small HTTP API for them (docs/console.md).
// Signing in with an API key pair opens a session kept in the store (a
// cookie holding a random token, whose SHA-256 the store keeps, and a CSRF
// token); the pages then run API actions through tcapi's own action table
// as that key (tcapi.API.Invoke), and follow an app's events and tasks
// over Server-Sent Events.
package console

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/tcapi"
)

// PathPrefix is where the console is mounted.
const PathPrefix = "/console/"

// Defaults of Config.
const (
	// SessionTTLDefault is how long a session lasts after sign-in.
	SessionTTLDefault = 12 * time.Hour
	// PingIntervalDefault is how often a stream sends a comment to keep
	// its connection open.
	PingIntervalDefault = 15 * time.Second
	// CoalesceDefault is the shortest time between two messages of one
	// kind on a stream.
	CoalesceDefault = 250 * time.Millisecond
	// TaskPollDefault is how often a stream checks the store for task changes.
	TaskPollDefault = time.Second
)

// CookieName is the session cookie's name.
const CookieName = "openvod_console"

// CSRFHeader carries the session's CSRF token on every POST and DELETE.
const CSRFHeader = "X-CSRF-Token"

// maxSignInBody bounds the sign-in request body.
const maxSignInBody = 4 << 10

//go:embed web
var web embed.FS

// Config wires the console to the server.
type Config struct {
	API   *tcapi.API
	Store store.Store
	// Media is the API's media service: when it hands out presigned URLs
	// of its store (uploads, and media GETs with Redirect), the pages'
	// Content-Security-Policy allows the store's origin for them.
	Media  *media.Service
	Hub    *eventlog.Hub
	Logger *slog.Logger
	// SessionTTL is how long a session lasts (SessionTTLDefault).
	SessionTTL time.Duration
	// PingInterval, Coalesce and TaskPoll pace streams (the defaults above).
	PingInterval, Coalesce, TaskPoll time.Duration
	// NowFunc is the clock; time.Now when nil.
	NowFunc func() time.Time
}

// Console is the console's http.Handler, for PathPrefix. Build it with New.
type Console struct {
	cfg    Config
	mux    *http.ServeMux
	static map[string]*asset
	csp    string
}

// New returns the console.
func New(cfg Config) *Console {
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, SessionTTLDefault)
	cfg.PingInterval = cmp.Or(cfg.PingInterval, PingIntervalDefault)
	cfg.Coalesce = cmp.Or(cfg.Coalesce, CoalesceDefault)
	cfg.TaskPoll = cmp.Or(cfg.TaskPoll, TaskPollDefault)
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	c := &Console{cfg: cfg, mux: http.NewServeMux(), static: loadAssets(), csp: ContentSecurityPolicy(storeOrigins(cfg.Media, cfg.Logger))}
	c.mux.HandleFunc("POST /console/api/session", c.signIn)
	c.mux.HandleFunc("GET /console/api/session", c.withSession(c.describeSession))
	c.mux.HandleFunc("DELETE /console/api/session", c.withSession(c.withCSRF(c.signOut)))
	c.mux.HandleFunc("POST /console/api/call/{action}", c.withSession(c.withCSRF(c.call)))
	c.mux.HandleFunc("GET /console/api/stream", c.withSession(c.stream))
	c.mux.HandleFunc("/console/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "no console API at "+r.Method+" "+r.URL.Path)
	})
	c.mux.HandleFunc("/console/{file...}", c.serveStatic)
	return c
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", c.csp)
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// ContentSecurityPolicy returns the policy sent with every console answer:
// the pages' own origin only and, when not "", the media store's origins
// they are handed URLs of: uploadOrigin, where uploads PUT (connect-src),
// and mediaOrigin, where media GETs are redirected (media-src and img-src
// for the player and the images, connect-src for hls.js reading an HLS
// ladder).
func ContentSecurityPolicy(uploadOrigin, mediaOrigin string) string {
	list := func(sources ...string) string {
		var out []string
		for _, s := range sources {
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return strings.Join(out, " ")
	}
	return "default-src 'self'; media-src " + list("'self'", "blob:", mediaOrigin) +
		"; img-src " + list("'self'", "data:", "blob:", mediaOrigin) +
		"; connect-src " + list("'self'", uploadOrigin, mediaOrigin) + "; frame-ancestors 'none'"
}

// storeOrigins returns the origins of the presigned URLs of svc's store
// that the pages are handed: uploadOrigin when ApplyUpload's URLs are the
// store's (not openvod's /upload/), mediaOrigin when media GETs redirect
// to the store; "" for none.
func storeOrigins(svc *media.Service, logger *slog.Logger) (uploadOrigin, mediaOrigin string) {
	if svc == nil {
		return "", ""
	}
	ctx := context.Background()
	// Presigning only signs: no object is made under this key.
	const probe = "console-csp-probe.mp4"
	expires := time.Now().Add(time.Minute)
	u, err := svc.UploadURL(ctx, &openvod.UploadSession{SessionKey: probe, StorageKey: probe, Deadline: expires})
	if err != nil {
		logger.Warn("console: no upload URL to allow in the Content-Security-Policy", "err", err)
	} else if !strings.HasPrefix(u, svc.PublicURL+media.UploadPathPrefix) {
		uploadOrigin = origin(u)
	}
	if ps, ok := svc.Blobs.(blob.Presigner); ok && svc.Redirect {
		u, err := ps.PresignGet(ctx, probe, expires)
		if err != nil {
			logger.Warn("console: no media URL to allow in the Content-Security-Policy", "err", err)
		}
		mediaOrigin = origin(u)
	}
	return uploadOrigin, mediaOrigin
}

// origin returns scheme://host[:port] of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// errorBody is the console API's own error: {"Error":{"Code","Message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"Code"`
		Message string `json:"Message"`
	} `json:"Error"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	writeJSON(w, status, &b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// Console error codes of its own, beside Tencent's.
const (
	CodeSessionExpired = "AuthFailure.SessionExpired"
	CodeUnauthorized   = "AuthFailure.Unauthorized"
	CodeCSRFToken      = "AuthFailure.CsrfToken"
)

// sessionView is the answer of sign-in and GET session.
type sessionView struct {
	SecretId  string    `json:"SecretId"`
	CsrfToken string    `json:"CsrfToken"`
	ExpiresAt string    `json:"ExpiresAt"`
	Apps      []appView `json:"Apps"`
}

type appView struct {
	SubAppId int64  `json:"SubAppId"`
	Name     string `json:"Name"`
}

type signInRequest struct {
	SecretId  string `json:"SecretId"`
	SecretKey string `json:"SecretKey"`
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, openvod.CodeInvalidParameter, "send the key pair as Content-Type: application/json")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxSignInBody+1))
	var req signInRequest
	if err != nil || len(raw) > maxSignInBody || json.Unmarshal(raw, &req) != nil {
		writeError(w, http.StatusBadRequest, openvod.CodeInvalidParameter, `send {"SecretId":"...","SecretKey":"..."}`)
		return
	}
	ctx := r.Context()
	if err := c.cfg.API.CheckKey(ctx, req.SecretId, req.SecretKey); err != nil {
		var e *openvod.Error
		if !errors.As(err, &e) {
			c.internalError(w, "check key", err)
			return
		}
		writeError(w, http.StatusUnauthorized, e.Code, e.Message)
		return
	}
	now := c.cfg.NowFunc()
	token := openvod.RandomHex(32)
	s := &store.ConsoleSession{TokenHash: hashToken(token), SecretID: req.SecretId, CSRFToken: openvod.RandomHex(32),
		CreateTime: now, ExpireTime: now.Add(c.cfg.SessionTTL)}
	if err := c.cfg.Store.ConsoleSessionInsert(ctx, s); err != nil {
		c.internalError(w, "store session", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/console", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(c.cfg.SessionTTL / time.Second)})
	c.cfg.Logger.Info("console sign-in", "secret_id", s.SecretID)
	c.writeSession(w, r, s)
}

func (c *Console) describeSession(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
	c.writeSession(w, r, s)
}

func (c *Console) writeSession(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
	apps, err := c.cfg.Store.AppList(r.Context())
	if err != nil {
		c.internalError(w, "list apps", err)
		return
	}
	v := &sessionView{SecretId: s.SecretID, CsrfToken: s.CSRFToken, ExpiresAt: s.ExpireTime.UTC().Format(time.RFC3339),
		Apps: make([]appView, len(apps))}
	for i, a := range apps {
		v.Apps[i] = appView{SubAppId: a.ID, Name: a.Name}
	}
	writeJSON(w, http.StatusOK, v)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
	if err := c.cfg.Store.ConsoleSessionDelete(r.Context(), s.TokenHash); err != nil {
		c.internalError(w, "delete session", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/console", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (c *Console) call(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, openvod.CodeInvalidParameter, "send the action's parameters as Content-Type: application/json")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, tcapi.MaxBodySize+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, openvod.CodeInvalidParameter, "reading the request body failed")
		return
	}
	answer := c.cfg.API.Invoke(r.Context(), s.SecretID, r.PathValue("action"), body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(answer)
}

// withSession runs h with the request's live session, or answers 401.
func (c *Console) withSession(h func(http.ResponseWriter, *http.Request, *store.ConsoleSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r.Context(), r)
		switch {
		case errors.Is(err, errNoCookie):
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "sign in first: POST /console/api/session with a SecretId and SecretKey")
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusUnauthorized, CodeSessionExpired, "the session ended (expired, signed out or its key disabled); sign in again")
		case err != nil:
			c.internalError(w, "read session", err)
		default:
			h(w, r, s)
		}
	}
}

var errNoCookie = errors.New("console: no session cookie")

// session returns the live session of r's cookie.
func (c *Console) session(ctx context.Context, r *http.Request) (*store.ConsoleSession, error) {
	cookie, err := r.Cookie(CookieName)
	if err != nil || cookie.Value == "" {
		return nil, errNoCookie
	}
	return c.cfg.Store.ConsoleSessionGet(ctx, hashToken(cookie.Value), c.cfg.NowFunc())
}

// withCSRF runs h when the request carries the session's CSRF token, or
// answers 403.
func (c *Console) withCSRF(h func(http.ResponseWriter, *http.Request, *store.ConsoleSession)) func(http.ResponseWriter, *http.Request, *store.ConsoleSession) {
	return func(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
		got := r.Header.Get(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRFToken)) != 1 {
			writeError(w, http.StatusForbidden, CodeCSRFToken, "send the session's CsrfToken in the "+CSRFHeader+" header")
			return
		}
		h(w, r, s)
	}
}

func (c *Console) internalError(w http.ResponseWriter, what string, err error) {
	c.cfg.Logger.Error("console: "+what, "err", err)
	writeError(w, http.StatusInternalServerError, openvod.CodeInternalError, "an internal error occurred; see the server's log")
}

// hashToken is what the store keeps of a session token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// isJSON reports whether r's body is declared JSON: a cross-site form
// cannot send that without the browser asking first (CORS), which the
// console never allows.
func isJSON(r *http.Request) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == "application/json"
}
