package main

import (
	"fmt"
	"regexp"
	"strings"

	"go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"sigs.k8s.io/yaml"
)

var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeYAMLStream is Tilt's decode_yaml_stream: a multi-document YAML string into a list of
// dicts (empty documents dropped).
func decodeYAMLStream(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("decode_yaml_stream: one string is required")
	}
	text, ok := starlark.AsString(args[0])
	if !ok {
		return nil, fmt.Errorf("decode_yaml_stream: want a string, got %s", args[0].Type())
	}
	decode := json.Module.Members["decode"]
	out := []starlark.Value{}
	for _, doc := range documentSeparator.Split(text, -1) {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("decode_yaml_stream: %w", err)
		}
		if s := strings.TrimSpace(string(j)); s == "null" || s == "" {
			continue
		}
		v, err := starlark.Call(&starlark.Thread{}, decode, starlark.Tuple{starlark.String(j)}, nil)
		if err != nil {
			return nil, fmt.Errorf("decode_yaml_stream: %w", err)
		}
		out = append(out, v)
	}
	return starlark.NewList(out), nil
}

// encodeYAMLStream is Tilt's encode_yaml_stream: a list of dicts into one YAML string.
func encodeYAMLStream(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("encode_yaml_stream: one list is required")
	}
	list, ok := args[0].(*starlark.List)
	if !ok {
		return nil, fmt.Errorf("encode_yaml_stream: want a list, got %s", args[0].Type())
	}
	encode := json.Module.Members["encode"]
	docs := []string{}
	for i := 0; i < list.Len(); i++ {
		j, err := starlark.Call(&starlark.Thread{}, encode, starlark.Tuple{list.Index(i)}, nil)
		if err != nil {
			return nil, fmt.Errorf("encode_yaml_stream: %w", err)
		}
		y, err := yaml.JSONToYAML([]byte(j.(starlark.String)))
		if err != nil {
			return nil, fmt.Errorf("encode_yaml_stream: %w", err)
		}
		docs = append(docs, string(y))
	}
	return starlark.String(strings.Join(docs, "---\n")), nil
}
