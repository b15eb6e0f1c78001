// Command gocheck is a small syntactic security checker for Go source files.
// It prints its findings as a SARIF 2.1.0 log on standard output.
package main

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
)

const version = "0.1.0"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	DefaultConfiguration sarifLevel        `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifLevel struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gocheck FILE.go [FILE.go...]\n       gocheck --rules\n       gocheck --version")
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		usage()
		os.Exit(2)
	}
	switch args[0] {
	case "--version", "-version", "-V":
		fmt.Printf("gocheck %s\n", version)
		return
	case "--rules", "-rules":
		for _, r := range rules {
			cwes := strings.Join(r.tags()[1:], ",")
			fmt.Printf("%-22s %-22s %-7s %s\n", r.ID, cwes, r.Level, r.Desc)
		}
		return
	case "--help", "-h", "-help":
		usage()
		return
	}
	log, failed := run(args)
	out, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gocheck:", err)
		os.Exit(2)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
	if failed {
		os.Exit(2)
	}
}

// run analyses files and builds the SARIF log. failed is true when at least
// one file could not be read or parsed.
func run(files []string) (sarifLog, bool) {
	inv := sarifInvocation{ExecutionSuccessful: true, ToolExecutionNotifications: []sarifNotification{}}
	results := []sarifResult{}
	failed := false
	for _, name := range files {
		src, err := os.ReadFile(name)
		var fs []finding
		if err == nil {
			fs, err = checkSource(name, src)
		}
		if err != nil {
			failed = true
			inv.ExecutionSuccessful = false
			fmt.Fprintf(os.Stderr, "gocheck: %s: %v\n", name, err)
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level:   "error",
				Message: sarifText{Text: fmt.Sprintf("could not analyse %s: %v", name, err)},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: name}}}},
			})
			continue
		}
		for _, f := range fs {
			results = append(results, sarifResult{
				RuleID:  f.Rule,
				Level:   f.Level,
				Message: sarifText{Text: f.Msg},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: name},
					Region:           &sarifRegion{StartLine: f.Line, StartColumn: f.Col},
				}}},
			})
		}
	}
	var srules []sarifRule
	for _, r := range rules {
		srules = append(srules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{Text: r.Desc},
			DefaultConfiguration: sarifLevel{Level: r.Level},
			Properties:           sarifRuleProperty{Tags: r.tags()},
		})
	}
	return sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:        sarifTool{Driver: sarifDriver{Name: "gocheck", Version: version, Rules: srules}},
			Invocations: []sarifInvocation{inv},
			Results:     results,
		}},
	}, failed
}

// checkSource parses one file and runs every rule over it.
func checkSource(name string, src []byte) ([]finding, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	a := newAnalysis(fset, file)
	a.run()
	sort.SliceStable(a.findings, func(i, j int) bool {
		if a.findings[i].Line != a.findings[j].Line {
			return a.findings[i].Line < a.findings[j].Line
		}
		return a.findings[i].Col < a.findings[j].Col
	})
	return a.findings, nil
}
