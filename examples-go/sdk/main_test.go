package polyplug_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binDir holds the example plugins, built once for all tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "polyplug-sdk-test")
	if err != nil {
		panic(err)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../plugins/...")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building example plugins: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func forEachMTLS(t *testing.T, run func(t *testing.T, autoMTLS bool)) {
	for _, autoMTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("autoMTLS=%v", autoMTLS), func(t *testing.T) { run(t, autoMTLS) })
	}
}
