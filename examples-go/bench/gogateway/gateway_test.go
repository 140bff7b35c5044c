package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// scripted is the test plugin binary (internal/fixtures/scripted), built once.
var scripted string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gogateway-test-")
	if err != nil {
		panic(err)
	}
	scripted = filepath.Join(dir, "scripted")
	if out, err := exec.Command("go", "build", "-o", scripted, "../../internal/fixtures/scripted").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building the scripted plugin: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startTestGateway serves a chain of p1 (priority 1) and p2 (priority 2, fail
// closed, 300 ms deadline) on topic test.*, both the scripted plugin.
func startTestGateway(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := scripted
	plugins := filepath.Join(dir, "plugins")
	for _, p := range []struct {
		id   string
		hook string
	}{
		{"p2", `{"topic": "test.*", "priority": 2, "timeoutMs": 300, "onFailure": "closed"}`},
		{"p1", `{"topic": "test.*", "priority": 1}`},
	} {
		pluginDir := filepath.Join(plugins, p.id)
		if err := os.MkdirAll(pluginDir, 0o755); err != nil {
			t.Fatal(err)
		}
		manifest := `{"id": "` + p.id + `", "command": ["` + bin + `"], "env": {"SCRIPTED_PLUGIN_ID": "` + p.id + `"}, "hooks": {"intercept": [` + p.hook + `]}}`
		if err := os.WriteFile(filepath.Join(pluginDir, "plugin.json"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifests, err := readManifests(plugins)
	if err != nil {
		t.Fatal(err)
	}
	running, err := startPlugins(manifests)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopPlugins(running) })
	server := httptest.NewServer((&gateway{plugins: running}).routes())
	t.Cleanup(server.Close)
	return server.URL + "/polyplug.v1.Gateway/Intercept"
}

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

func outcomes(out map[string]any) []string {
	var got []string
	for _, s := range out["steps"].([]any) {
		step := s.(map[string]any)
		got = append(got, step["pluginId"].(string)+":"+step["outcome"].(string))
	}
	return got
}

func TestGatewayAnswersTheInterceptChain(t *testing.T) {
	url := startTestGateway(t)
	cases := []struct {
		name    string
		body    string
		allowed bool
		steps   []string
		check   func(t *testing.T, out map[string]any)
	}{
		{"proceed", `{"topic": "test.bench", "payload": {"message": "hi"}, "requestId": "r-1"}`, true,
			[]string{"p1:CHAIN_STEP_OUTCOME_PROCEED", "p2:CHAIN_STEP_OUTCOME_PROCEED"},
			func(t *testing.T, out map[string]any) {
				if out["payload"].(map[string]any)["message"] != "hi" || out["requestId"] != "r-1" {
					t.Errorf("payload or request id changed: %v", out)
				}
			}},
		{"modify in order", `{"topic": "test.bench", "payload": {"script": {"p1": "modify", "p2": "modify"}}}`, true,
			[]string{"p1:CHAIN_STEP_OUTCOME_MODIFY", "p2:CHAIN_STEP_OUTCOME_MODIFY"},
			func(t *testing.T, out map[string]any) {
				trail, _ := json.Marshal(out["payload"].(map[string]any)["trail"])
				if string(trail) != `["p1","p2"]` || out["modified"] != true {
					t.Errorf("want trail [p1 p2] and modified, got %s, %v", trail, out["modified"])
				}
			}},
		{"reject stops the chain", `{"topic": "test.bench", "payload": {"script": {"p1": "reject:no"}}}`, false,
			[]string{"p1:CHAIN_STEP_OUTCOME_REJECT"},
			func(t *testing.T, out map[string]any) {
				if r := out["rejection"].(map[string]any); r["pluginId"] != "p1" || r["reason"] != "no" {
					t.Errorf("rejection: %v", r)
				}
			}},
		{"a step past its deadline fails closed", `{"topic": "test.bench", "payload": {"script": {"p2": "sleep:2000"}}}`, false,
			[]string{"p1:CHAIN_STEP_OUTCOME_PROCEED", "p2:CHAIN_STEP_OUTCOME_FAILED_CLOSED"},
			func(t *testing.T, out map[string]any) {
				if r := out["rejection"].(map[string]any); r["failure"] != true {
					t.Errorf("rejection should be a failure: %v", r)
				}
			}},
		{"no subscriber", `{"topic": "other.topic"}`, true, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := post(t, url, c.body)
			if status != http.StatusOK {
				t.Fatalf("HTTP %d: %v", status, out)
			}
			if out["allowed"] != c.allowed {
				t.Errorf("allowed = %v, want %v (%v)", out["allowed"], c.allowed, out)
			}
			if got := outcomes(out); len(got) != len(c.steps) || (len(got) > 0 && !equal(got, c.steps)) {
				t.Errorf("steps = %v, want %v", got, c.steps)
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}
}

func TestGatewayRejectsBadRequests(t *testing.T) {
	url := startTestGateway(t)
	for _, body := range []string{`{"topic": "Bad Topic"}`, `not json`, `{"topic": "test.a", "requestId": "bad id!"}`, `{"topic": "test.a", "timeoutMs": 999999}`} {
		status, out := post(t, url, body)
		if status != http.StatusBadRequest || out["code"] != "invalid_argument" {
			t.Errorf("%s: HTTP %d %v, want 400 invalid_argument", body, status, out)
		}
	}
}

func TestTopicMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, topic string
		want           bool
	}{{"*", "a", true}, {"a.*", "a.b", true}, {"a.*", "a.b.c", true}, {"a.*", "a", false}, {"a.*", "a.", false}, {"a.b", "a.b", true}, {"a.b", "a.c", false}} {
		if got := topicMatches(c.pattern, c.topic); got != c.want {
			t.Errorf("topicMatches(%q, %q) = %v", c.pattern, c.topic, got)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
