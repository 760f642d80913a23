package clip

// childEnv names the environment variable that makes the test binary run
// one cut as a child process of the benchmark.
const childEnv = "OPENVOD_CLIP_BENCH_CHILD"

func benchChild() int { return 0 }
