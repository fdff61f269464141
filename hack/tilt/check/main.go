// Command tilt-check evaluates a Tiltfile with the Starlark interpreter Tilt itself uses
// (go.starlark.net) and prints, as JSON, every call the Tiltfile makes to Tilt's builtins.
//
// Tilt cannot be installed on machines without its release downloads, so the builtins here do
// nothing but record their arguments: test/tilt/tiltfile.test.ts then checks that every path,
// image, chart and resource the Tiltfile names exists and agrees with the rendered chart.
//
//	tilt-check [-arg name=value]... TILTFILE
//
// -arg sets a value config.parse() returns (as `tilt up -- --name value` would). The Tiltfile's
// relative paths are resolved by the test against the Tiltfile's folder, as Tilt does.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// call is one recorded builtin call.
type call struct {
	Fn     string         `json:"fn"`
	Args   []any          `json:"args"`
	Kwargs map[string]any `json:"kwargs"`
}

// report is the program's output.
type report struct {
	Calls []call `json:"calls"`
	// Printed holds what the Tiltfile print()ed, in order.
	Printed []string `json:"printed"`
}

type argList []string

func (a *argList) String() string     { return strings.Join(*a, ",") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

// recorder holds the calls and hands out the builtins.
type recorder struct {
	out     report
	dir     string
	cfgArgs map[string]string
	cfgDefs map[string]string // name -> "string" | "string_list" | "bool"
}

func main() {
	var args argList
	flag.Var(&args, "arg", "name=value returned by config.parse() (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tilt-check [-arg name=value]... TILTFILE")
		os.Exit(2)
	}
	path := flag.Arg(0)
	r := &recorder{dir: filepath.Dir(path), cfgArgs: map[string]string{}, cfgDefs: map[string]string{}, out: report{Calls: []call{}, Printed: []string{}}}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "tilt-check: -arg %q is not name=value\n", a)
			os.Exit(2)
		}
		r.cfgArgs[k] = v
	}
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tilt-check:", err)
		os.Exit(1)
	}
	thread := &starlark.Thread{
		Name:  "Tiltfile",
		Print: func(_ *starlark.Thread, msg string) { r.out.Printed = append(r.out.Printed, msg) },
		// load('ext://...') would fetch Tilt extensions from the internet: refused, so the
		// Tiltfile stays self-contained and checkable.
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			return nil, fmt.Errorf("load(%q): extensions are not available to tilt-check; keep the Tiltfile self-contained", module)
		},
	}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	if _, err := starlark.ExecFileOptions(opts, thread, path, src, r.builtins()); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			fmt.Fprintln(os.Stderr, ee.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.out); err != nil {
		fmt.Fprintln(os.Stderr, "tilt-check:", err)
		os.Exit(1)
	}
}

// record makes a builtin that records its call and returns result(args, kwargs).
func (r *recorder) record(name string, result func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		c := call{Fn: name, Args: []any{}, Kwargs: map[string]any{}}
		for _, a := range args {
			c.Args = append(c.Args, toJSON(a))
		}
		for _, kv := range kwargs {
			c.Kwargs[string(kv[0].(starlark.String))] = toJSON(kv[1])
		}
		r.out.Calls = append(r.out.Calls, c)
		if result == nil {
			return starlark.None, nil
		}
		return result(args, kwargs)
	})
}

// step returns a value standing for a live_update step or a port forward: a struct whose
// "tilt_type" field tells the test what it is, and whose fields are the call's arguments.
func step(kind string, params ...string) func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		fields := starlark.StringDict{"tilt_type": starlark.String(kind)}
		for i, a := range args {
			if i >= len(params) {
				return nil, fmt.Errorf("%s: too many positional arguments", kind)
			}
			fields[params[i]] = a
		}
		for _, kv := range kwargs {
			fields[string(kv[0].(starlark.String))] = kv[1]
		}
		return starlarkstruct.FromStringDict(starlarkstruct.Default, fields), nil
	}
}

func (r *recorder) builtins() starlark.StringDict {
	blob := func(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("blob: one string is required")
		}
		return args[0], nil
	}
	readFile := func(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(args) < 1 {
			return nil, fmt.Errorf("read_file: a path is required")
		}
		p, ok := starlark.AsString(args[0])
		if !ok {
			return nil, fmt.Errorf("read_file: path must be a string")
		}
		// A file the Tiltfile reads must exist (Tilt fails the same way).
		b, err := os.ReadFile(filepath.Join(r.dir, p))
		if err != nil {
			return nil, fmt.Errorf("read_file: %w", err)
		}
		return starlark.String(b), nil
	}
	config := starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"define_string":         r.record("config.define_string", r.define("string")),
		"define_string_list":    r.record("config.define_string_list", r.define("string_list")),
		"define_bool":           r.record("config.define_bool", r.define("bool")),
		"parse":                 r.record("config.parse", r.parse),
		"set_enabled_resources": r.record("config.set_enabled_resources", nil),
	})
	osModule := starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"getenv": r.record("os.getenv", func(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			// The environment is not the test's to vary: the default is returned.
			if len(args) > 1 {
				return args[1], nil
			}
			return starlark.None, nil
		}),
	})
	return starlark.StringDict{
		"allow_k8s_contexts": r.record("allow_k8s_contexts", nil),
		"docker_build":       r.record("docker_build", nil),
		"custom_build":       r.record("custom_build", nil),
		"k8s_yaml":           r.record("k8s_yaml", nil),
		"k8s_kind":           r.record("k8s_kind", nil),
		"k8s_resource":       r.record("k8s_resource", nil),
		"local_resource":     r.record("local_resource", nil),
		"watch_file":         r.record("watch_file", nil),
		"update_settings":    r.record("update_settings", nil),
		"helm":               r.record("helm", r.helm),
		"blob":               r.record("blob", blob),
		"decode_yaml_stream": r.record("decode_yaml_stream", decodeYAMLStream),
		"encode_yaml_stream": r.record("encode_yaml_stream", encodeYAMLStream),
		"read_file":          r.record("read_file", readFile),
		// local() runs a command when Tilt loads the file; here it runs nothing.
		"local":        r.record("local", func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) { return starlark.String(""), nil }),
		"sync":         r.record("sync", step("sync", "local_path", "remote_path")),
		"run":          r.record("run", step("run", "cmd")),
		"fall_back_on": r.record("fall_back_on", step("fall_back_on", "files")),
		"port_forward": r.record("port_forward", step("port_forward", "local_port", "container_port")),
		"link":         r.record("link", step("link", "url", "name")),
		"config":       config,
		"os":           osModule,
	}
}

func (r *recorder) define(kind string) func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(args) < 1 {
			return nil, fmt.Errorf("config.define_%s: a name is required", kind)
		}
		name, _ := starlark.AsString(args[0])
		r.cfgDefs[name] = kind
		return starlark.None, nil
	}
}

// parse returns the -arg values for the names the Tiltfile defined (undefined ones are an
// error, as in Tilt).
func (r *recorder) parse(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	d := starlark.NewDict(len(r.cfgArgs))
	for k, v := range r.cfgArgs {
		kind, ok := r.cfgDefs[k]
		if !ok {
			return nil, fmt.Errorf("config.parse: %q is not defined by the Tiltfile", k)
		}
		var val starlark.Value
		switch kind {
		case "bool":
			val = starlark.Bool(v == "true")
		case "string_list":
			items := []starlark.Value{}
			for _, s := range strings.Split(v, ",") {
				items = append(items, starlark.String(s))
			}
			val = starlark.NewList(items)
		default:
			val = starlark.String(v)
		}
		if err := d.SetKey(starlark.String(k), val); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// toJSON converts a Starlark value into plain JSON data.
func toJSON(v starlark.Value) any {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		i, _ := x.Int64()
		return i
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	case *starlark.List:
		out := []any{}
		for i := 0; i < x.Len(); i++ {
			out = append(out, toJSON(x.Index(i)))
		}
		return out
	case starlark.Tuple:
		out := []any{}
		for _, e := range x {
			out = append(out, toJSON(e))
		}
		return out
	case *starlark.Dict:
		out := map[string]any{}
		for _, item := range x.Items() {
			k, ok := starlark.AsString(item[0])
			if !ok {
				k = item[0].String()
			}
			out[k] = toJSON(item[1])
		}
		return out
	case *starlarkstruct.Struct:
		out := map[string]any{}
		for _, name := range x.AttrNames() {
			f, _ := x.Attr(name)
			out[name] = toJSON(f)
		}
		return out
	default:
		return v.String()
	}
}
