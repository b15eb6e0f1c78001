package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestSARIFShapeAndParseErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.go")
	bad := filepath.Join(dir, "bad.go")
	os.WriteFile(good, []byte("package p\n\nimport \"crypto/tls\"\n\nvar c = &tls.Config{InsecureSkipVerify: true}\n"), 0o600)
	os.WriteFile(bad, []byte("package p\nfunc {\n"), 0o600)

	log, failed := run([]string{good})
	if failed {
		t.Fatal("good file reported as failed")
	}
	b, _ := json.Marshal(log)
	var v struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Rules   []struct {
						ID                   string                  `json:"id"`
						ShortDescription     struct{ Text string }   `json:"shortDescription"`
						DefaultConfiguration struct{ Level string }  `json:"defaultConfiguration"`
						Properties           struct{ Tags []string } `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful        bool              `json:"executionSuccessful"`
				ToolExecutionNotifications []json.RawMessage `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []struct {
				RuleID    string                `json:"ruleId"`
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != "2.1.0" || len(v.Runs) != 1 || v.Runs[0].Tool.Driver.Name != "gocheck" || v.Runs[0].Tool.Driver.Version != version {
		t.Fatalf("bad header: %s", b)
	}
	for _, r := range v.Runs[0].Tool.Driver.Rules {
		sec, cwe := false, false
		for _, tag := range r.Properties.Tags {
			sec = sec || tag == "security"
			cwe = cwe || (len(tag) > 4 && tag[:4] == "CWE-")
		}
		if !sec || !cwe || r.ShortDescription.Text == "" || r.DefaultConfiguration.Level == "" {
			t.Errorf("rule %s lacks tags, description or level", r.ID)
		}
	}
	res := v.Runs[0].Results
	if len(res) != 1 || res[0].RuleID != "G-TLS-SKIP" || res[0].Level != "error" ||
		res[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != good ||
		res[0].Locations[0].PhysicalLocation.Region.StartLine != 5 || res[0].Locations[0].PhysicalLocation.Region.StartColumn != 21 {
		t.Fatalf("unexpected results: %s", b)
	}

	log, failed = run([]string{bad, good})
	if !failed {
		t.Fatal("a file that does not parse must fail the run")
	}
	inv := log.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 ||
		inv.ToolExecutionNotifications[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != bad {
		t.Fatalf("unexpected invocation: %+v", inv)
	}
	if len(log.Runs[0].Results) != 1 {
		t.Fatalf("the parsable file's results must still be reported: %+v", log.Runs[0].Results)
	}
}
