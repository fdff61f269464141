package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"go.starlark.net/starlark"
)

// helm renders a chart as Tilt's helm() does (`helm template`), with the helm binary named by
// $HELM, so the YAML the Tiltfile hands to k8s_yaml (after any changes it makes) is the real one.
func (r *recorder) helm(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	bin := os.Getenv("HELM")
	if bin == "" {
		return nil, fmt.Errorf("helm: $HELM must name the helm binary (hack/stack env)")
	}
	if len(args) != 1 {
		return nil, fmt.Errorf("helm: one positional argument (the chart's path) is required")
	}
	chart, ok := starlark.AsString(args[0])
	if !ok {
		return nil, fmt.Errorf("helm: the chart's path must be a string")
	}
	name, namespace := "chart", ""
	cmdArgs := []string{}
	for _, kv := range kwargs {
		key := string(kv[0].(starlark.String))
		switch key {
		case "name":
			name, _ = starlark.AsString(kv[1])
		case "namespace":
			namespace, _ = starlark.AsString(kv[1])
		case "values", "set":
			items, err := stringList(kv[1])
			if err != nil {
				return nil, fmt.Errorf("helm: %s: %w", key, err)
			}
			flag := "--values"
			if key == "set" {
				flag = "--set"
			}
			for _, it := range items {
				cmdArgs = append(cmdArgs, flag, it)
			}
		case "kube_version", "skip_crds":
			// Accepted by Tilt; they change nothing this check looks at.
		default:
			return nil, fmt.Errorf("helm: unknown argument %q", key)
		}
	}
	full := append([]string{"template", name, chart}, cmdArgs...)
	if namespace != "" {
		full = append(full, "--namespace", namespace)
	}
	cmd := exec.Command(bin, full...)
	cmd.Dir = r.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return starlark.String(out), nil
}

// stringList accepts a string or a list of strings (as Tilt does for values= and set=).
func stringList(v starlark.Value) ([]string, error) {
	if s, ok := starlark.AsString(v); ok {
		return []string{s}, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("want a string or a list of strings, got %s", v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var out []string
	var x starlark.Value
	for iter.Next(&x) {
		s, ok := starlark.AsString(x)
		if !ok {
			return nil, fmt.Errorf("want strings, got %s", x.Type())
		}
		out = append(out, s)
	}
	return out, nil
}
