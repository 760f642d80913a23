package fault

import (
	"testing"
	"time"

	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// uploadTTL of the three-server crash loop: short, so that the janitor's
// orphan sweep (every orphanSweep) removes what crashes left in the bucket
// within the test; long enough for an upload session to finish across a
// few kills.
const (
	uploadTTL   = 20 * time.Second
	orphanSweep = 5 * time.Second
)

// TestCrashLoopScaleOut is the crash loop on three servers sharing one
// PostgreSQL database and one S3 bucket (versitygw): uploads (ApplyUpload,
// a PUT to the bucket's presigned URL, CommitUpload), clips and pulls are
// spread over the servers, a random one is SIGKILLed every 1–3 s, and the
// S3 server itself is SIGKILLed once in the middle. Then every accepted
// task finished once, every event was delivered, and after the janitor's
// orphan sweep the bucket holds exactly the objects of the known media,
// with no multipart upload left and no media byte under any server's data
// directory.
func TestCrashLoopScaleOut(t *testing.T) {
	t.Parallel()
	s3srv := s3test.Start(t)
	bucket := s3srv.NewBucket(t).Bucket
	const prefix = "vod"
	db := pgtest.URL(t)
	env := append(s3test.Env(), "OPENVOD_STORAGE=s3://"+bucket+"/"+prefix, "OPENVOD_S3_ENDPOINT="+s3srv.Endpoint,
		"OPENVOD_S3_PATH_STYLE=true", "OPENVOD_TASK_LEASE=3s", "OPENVOD_UPLOAD_TTL="+uploadTTL.String(),
		"OPENVOD_JANITOR_INTERVAL=1s", "OPENVOD_ORPHAN_SWEEP_INTERVAL="+orphanSweep.String())
	var procs []*openvodtest.Server
	var scratch []string
	for range 3 {
		dir := t.TempDir()
		scratch = append(scratch, dir)
		procs = append(procs, openvodtest.Start(t, openvodtest.Options{DB: db, Env: append(env, "OPENVOD_SCRATCH_DIR="+dir)}))
	}
	runCrashLoop(t, crashRun{
		srvs: newServers(procs...), store: bucketStore(t, s3srv, bucket, prefix, procs, scratch), s3: s3srv,
		// An object left by the last upload is older than the TTL after
		// uploadTTL, and is swept within orphanSweep and a janitor interval more.
		settle: uploadTTL + 2*orphanSweep,
	})
}
