// Command psacheck evaluates every Pod template in rendered Kubernetes manifests against a Pod
// Security Standards level with the same library the PodSecurity admission plugin uses, so a
// chart is checked offline exactly as a namespace labelled
// pod-security.kubernetes.io/enforce=<level> would admit it.
//
//	psacheck [-level restricted] [-version latest] FILE...   ("-" reads stdin)
//
// It prints one line per workload and exits 1 when any is not allowed, 2 on bad input.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// workload is one Pod template found in the input, named for the report.
type workload struct {
	name string
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec
}

func main() {
	level := flag.String("level", "restricted", "Pod Security Standards level: privileged, baseline or restricted")
	version := flag.String("version", "latest", "policy version, e.g. v1.36 or latest")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: psacheck [-level L] [-version V] FILE... (- for stdin)")
		os.Exit(2)
	}
	lvl, err := api.ParseLevel(*level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "psacheck:", err)
		os.Exit(2)
	}
	ver, err := api.ParseVersion(*version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "psacheck:", err)
		os.Exit(2)
	}
	lv := api.LevelVersion{Level: lvl, Version: ver}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "psacheck:", err)
		os.Exit(2)
	}

	var found []workload
	for _, path := range flag.Args() {
		ws, err := readWorkloads(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "psacheck: %s: %v\n", path, err)
			os.Exit(2)
		}
		found = append(found, ws...)
	}
	// A run that found nothing would pass vacuously; an empty render is a mistake upstream.
	if len(found) == 0 {
		fmt.Fprintln(os.Stderr, "psacheck: no Pod templates found in the input")
		os.Exit(2)
	}

	failed := 0
	for _, w := range found {
		var reasons []string
		for _, r := range evaluator.EvaluatePod(lv, w.meta, w.spec) {
			if !r.Allowed {
				reasons = append(reasons, r.ForbiddenReason+": "+r.ForbiddenDetail)
			}
		}
		if len(reasons) == 0 {
			fmt.Printf("ok    %s (%s)\n", w.name, lv.String())
			continue
		}
		failed++
		fmt.Printf("FAIL  %s (%s): %s\n", w.name, lv.String(), strings.Join(reasons, "; "))
	}
	fmt.Printf("%d Pod templates checked, %d not allowed\n", len(found), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// readWorkloads decodes every YAML document in path and returns its Pod templates.
func readWorkloads(path string) ([]workload, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var out []workload
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		w, ok, err := podTemplateOf(doc)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, w)
		}
	}
}

// podTemplateOf returns the Pod template of a workload document; ok is false for kinds that
// carry none (Services, RBAC, custom resources).
func podTemplateOf(doc []byte) (workload, bool, error) {
	var head metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return workload{}, false, err
	}
	label := func(m metav1.ObjectMeta) string { return head.Kind + "/" + m.Name }
	switch head.Kind {
	case "Pod":
		var o corev1.Pod
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.ObjectMeta, &o.Spec}, true, nil
	case "Deployment":
		var o appsv1.Deployment
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}, true, nil
	case "StatefulSet":
		var o appsv1.StatefulSet
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}, true, nil
	case "DaemonSet":
		var o appsv1.DaemonSet
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}, true, nil
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}, true, nil
	case "Job":
		var o batchv1.Job
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		return workload{label(o.ObjectMeta), &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}, true, nil
	case "CronJob":
		var o batchv1.CronJob
		if err := yaml.UnmarshalStrict(doc, &o); err != nil {
			return workload{}, false, err
		}
		t := &o.Spec.JobTemplate.Spec.Template
		return workload{label(o.ObjectMeta), &t.ObjectMeta, &t.Spec}, true, nil
	}
	return workload{}, false, nil
}
