package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/modwsgi-go/mod_wsgi-express/cmd"
	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// The Kubernetes manifests of docs/kubernetes.md are checked without a
// cluster: each parses; its field names are the API's (a hand-written list
// of the fields of apps/v1 Deployment, v1 Service, autoscaling/v2
// HorizontalPodAutoscaler and the Prometheus Operator's ServiceMonitor that
// the docs may use, as the API spells them); and the numbers mirror the
// options they claim to: the container runs start-server with options it
// accepts, probes use the real probe paths on the server's port, the
// termination grace period covers the preStop sleep, the drain and the cut,
// Services and autoscalers point at what exists.

// field is the shape of one field's value: an object with these fields,
// a map with any keys (labels), or a scalar; list: a list of them.
type field struct {
	fields map[string]*field
	anyMap bool
	list   bool
}

func obj(kv ...any) *field {
	f := &field{fields: map[string]*field{}}
	for i := 0; i < len(kv); i += 2 {
		f.fields[kv[i].(string)] = kv[i+1].(*field)
	}
	return f
}

func listOf(f *field) *field { c := *f; c.list = true; return &c }

var (
	scalar  = &field{}
	strMap  = &field{anyMap: true}
	scalars = &field{list: true}
)

var (
	objectMeta = obj("name", scalar, "namespace", scalar, "labels", strMap, "annotations", strMap)
	quantities = obj("cpu", scalar, "memory", scalar, "ephemeral-storage", scalar)
	probe      = obj(
		"httpGet", obj("path", scalar, "port", scalar, "scheme", scalar, "host", scalar,
			"httpHeaders", listOf(obj("name", scalar, "value", scalar))),
		"initialDelaySeconds", scalar, "periodSeconds", scalar, "timeoutSeconds", scalar,
		"failureThreshold", scalar, "successThreshold", scalar)
	container = obj(
		"name", scalar, "image", scalar, "imagePullPolicy", scalar, "workingDir", scalar,
		"command", scalars, "args", scalars,
		"env", listOf(obj("name", scalar, "value", scalar)),
		"ports", listOf(obj("name", scalar, "containerPort", scalar, "protocol", scalar)),
		"lifecycle", obj("preStop", obj("sleep", obj("seconds", scalar), "exec", obj("command", scalars))),
		"readinessProbe", probe, "livenessProbe", probe, "startupProbe", probe,
		"resources", obj("requests", quantities, "limits", quantities),
		"volumeMounts", listOf(obj("name", scalar, "mountPath", scalar, "readOnly", scalar)),
		"securityContext", obj("readOnlyRootFilesystem", scalar, "allowPrivilegeEscalation", scalar))
	labelSelector = obj("matchLabels", strMap)

	// schemas by apiVersion and kind.
	schemas = map[string]*field{
		"apps/v1 Deployment": obj("apiVersion", scalar, "kind", scalar, "metadata", objectMeta,
			"spec", obj("replicas", scalar, "selector", labelSelector,
				"strategy", obj("type", scalar, "rollingUpdate", obj("maxSurge", scalar, "maxUnavailable", scalar)),
				"template", obj("metadata", objectMeta,
					"spec", obj("terminationGracePeriodSeconds", scalar, "containers", listOf(container),
						"volumes", listOf(obj("name", scalar, "emptyDir", obj("medium", scalar, "sizeLimit", scalar))))))),
		"v1 Service": obj("apiVersion", scalar, "kind", scalar, "metadata", objectMeta,
			"spec", obj("type", scalar, "selector", strMap,
				"ports", listOf(obj("name", scalar, "port", scalar, "targetPort", scalar, "protocol", scalar)))),
		"autoscaling/v2 HorizontalPodAutoscaler": obj("apiVersion", scalar, "kind", scalar, "metadata", objectMeta,
			"spec", obj("scaleTargetRef", obj("apiVersion", scalar, "kind", scalar, "name", scalar),
				"minReplicas", scalar, "maxReplicas", scalar,
				"metrics", listOf(obj("type", scalar,
					"resource", obj("name", scalar, "target", obj("type", scalar, "averageUtilization", scalar, "averageValue", scalar)))),
				"behavior", obj(
					"scaleDown", obj("stabilizationWindowSeconds", scalar),
					"scaleUp", obj("stabilizationWindowSeconds", scalar)))),
		"monitoring.coreos.com/v1 ServiceMonitor": obj("apiVersion", scalar, "kind", scalar, "metadata", objectMeta,
			"spec", obj("selector", labelSelector,
				"endpoints", listOf(obj("port", scalar, "path", scalar, "interval", scalar, "scheme", scalar)))),
	}
)

// checkFields reports every field of v that the shape f does not allow.
func checkFields(where string, v any, f *field) []string {
	if f.list {
		items, ok := v.([]any)
		if !ok {
			return []string{where + ": want a list"}
		}
		item := *f
		item.list = false
		var bad []string
		for i, it := range items {
			bad = append(bad, checkFields(fmt.Sprintf("%s[%d]", where, i), it, &item)...)
		}
		return bad
	}
	m, isMap := v.(map[string]any)
	switch {
	case f.anyMap:
		if !isMap {
			return []string{where + ": want a map"}
		}
		for k, x := range m {
			if _, nested := x.(map[string]any); nested {
				return []string{where + "." + k + ": want a string"}
			}
		}
		return nil
	case f.fields == nil:
		if isMap {
			return []string{where + ": want a value, not an object"}
		}
		if _, isList := v.([]any); isList {
			return []string{where + ": want a value, not a list"}
		}
		return nil
	case !isMap:
		return []string{where + ": want an object"}
	}
	var bad []string
	for k, x := range m {
		sub, ok := f.fields[k]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s.%s: not a field here", where, k))
			continue
		}
		bad = append(bad, checkFields(where+"."+k, x, sub)...)
	}
	return bad
}

// yamlBlocks returns the ```yaml blocks of a Markdown file, each split into
// its documents.
func yamlBlocks(t *testing.T, file string) [][]map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?ms)^```yaml\n(.*?)^```")
	var blocks [][]map[string]any
	for _, m := range re.FindAllSubmatch(data, -1) {
		dec := yaml.NewDecoder(bytes.NewReader(m[1]))
		var docs []map[string]any
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				if err.Error() == "EOF" {
					break
				}
				t.Fatalf("%s: a yaml block does not parse: %v\n%s", file, err, m[1])
			}
			docs = append(docs, doc)
		}
		blocks = append(blocks, docs)
	}
	return blocks
}

// get follows a path of keys and list indexes through decoded YAML.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

func asStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// startServerConfig runs the container's command line with --print-config,
// its MOD_WSGI_EXPRESS_ variables set, and returns the options it would
// run with; it fails on an option start-server refuses.
func startServerConfig(t *testing.T, where string, argv []string, env map[string]string) map[string]any {
	t.Helper()
	if len(argv) < 2 || path.Base(argv[0]) != "mod_wsgi-express" || argv[1] != "start-server" {
		t.Errorf("%s: the container does not run mod_wsgi-express start-server: %q", where, argv)
		return nil
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, cmd.EnvPrefix) {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errs bytes.Buffer
	f := &cmd.Factory{IO: iostreams.IOStreams{Out: &out, Err: &errs}, Machine: discover.RealMachine{}}
	if code := cmd.Execute(f, append(slices.Clone(argv[1:]), "--print-config")); code != 0 || errs.Len() > 0 {
		t.Errorf("%s: start-server refuses the container's arguments (exit %d): %s", where, code, errs.String())
		return nil
	}
	var conf map[string]any
	if err := yaml.Unmarshal(out.Bytes(), &conf); err != nil {
		t.Fatalf("%s: --print-config output: %v", where, err)
	}
	for k := range env {
		if strings.HasPrefix(k, cmd.EnvPrefix) && !strings.Contains(out.String(), "# env "+k) {
			t.Errorf("%s: %s sets no option", where, k)
		}
	}
	return conf
}

// backstop is how long, after a cut, start-server gives Apache before
// killing what is left: the grace period must cover it.
const backstop = int(supervisor.Backstop / time.Second)

func TestKubernetesManifests(t *testing.T) {
	blocks := yamlBlocks(t, "docs/kubernetes.md")
	kinds := map[string]int{}
	for bi, docs := range blocks {
		deployments := map[string]map[string]any{}
		for di, doc := range docs {
			key := fmt.Sprint(doc["apiVersion"], " ", doc["kind"])
			where := fmt.Sprintf("block %d, document %d (%s %v)", bi+1, di+1, key, get(doc, "metadata", "name"))
			schema, ok := schemas[key]
			if !ok {
				t.Errorf("%s: not a kind this test knows", where)
				continue
			}
			kinds[key]++
			for _, bad := range checkFields(key, doc, schema) {
				t.Errorf("%s: %s", where, bad)
			}
			if doc["kind"] == "Deployment" {
				deployments[fmt.Sprint(get(doc, "metadata", "name"))] = doc
				checkDeployment(t, where, doc)
			}
		}
		// What Services and autoscalers name exists in the same block.
		for di, doc := range docs {
			where := fmt.Sprintf("block %d, document %d (%v %v)", bi+1, di+1, doc["kind"], get(doc, "metadata", "name"))
			switch doc["kind"] {
			case "Service":
				checkService(t, where, doc, deployments)
			case "HorizontalPodAutoscaler":
				name := fmt.Sprint(get(doc, "spec", "scaleTargetRef", "name"))
				d, ok := deployments[name]
				if !ok || get(doc, "spec", "scaleTargetRef", "kind") != "Deployment" {
					t.Errorf("%s: scales %v, no Deployment of this block", where, name)
					continue
				}
				lo, _ := asInt(get(doc, "spec", "minReplicas"))
				hi, _ := asInt(get(doc, "spec", "maxReplicas"))
				if lo < 1 || hi < lo {
					t.Errorf("%s: replicas %d to %d", where, lo, hi)
				}
				if get(doc, "spec", "metrics", 0, "resource", "name") == "cpu" && get(d, "spec", "template", "spec", "containers", 0, "resources", "requests", "cpu") == nil {
					t.Errorf("%s: scales on CPU utilization, but %s requests no CPU", where, name)
				}
			}
		}
	}
	for _, k := range []string{"apps/v1 Deployment", "v1 Service", "autoscaling/v2 HorizontalPodAutoscaler"} {
		if kinds[k] == 0 {
			t.Errorf("docs/kubernetes.md shows no %s", k)
		}
	}
	if kinds["apps/v1 Deployment"] < 2 {
		t.Errorf("want a Deployment for hello and one for Django, found %d", kinds["apps/v1 Deployment"])
	}
}

func checkDeployment(t *testing.T, where string, d map[string]any) {
	t.Helper()
	labels, _ := get(d, "spec", "template", "metadata", "labels").(map[string]any)
	sel, _ := get(d, "spec", "selector", "matchLabels").(map[string]any)
	for k, v := range sel {
		if labels[k] != v {
			t.Errorf("%s: the selector %s=%v does not match the pod template's labels", where, k, v)
		}
	}
	containers, _ := get(d, "spec", "template", "spec", "containers").([]any)
	if len(containers) != 1 {
		t.Errorf("%s: want one container, found %d", where, len(containers))
		return
	}
	c := containers[0]
	argv := append(asStrings(get(c, "command")), asStrings(get(c, "args"))...)
	env := map[string]string{}
	for _, e := range asAnyList(get(c, "env")) {
		env[fmt.Sprint(get(e, "name"))] = fmt.Sprint(get(e, "value"))
	}
	conf := startServerConfig(t, where, argv, env)
	if conf == nil {
		return
	}
	port, _ := asInt(conf["port"])
	grace, _ := asInt(conf["graceful-stop-timeout"])
	if strings.Contains(fmt.Sprint(argv), "--embedded-mode") || conf["embedded-mode"] == true {
		if get(c, "startupProbe") == nil {
			t.Errorf("%s: embedded mode needs a startupProbe (nothing answers while the application loads)", where)
		}
	}

	// The ports: the container's named port is start-server's --port.
	named := map[string]int{}
	for _, p := range asAnyList(get(c, "ports")) {
		n, _ := asInt(get(p, "containerPort"))
		named[fmt.Sprint(get(p, "name"))] = n
		if n != port {
			t.Errorf("%s: containerPort %d, but start-server listens on --port %d", where, n, port)
		}
	}

	// The probes: the real paths, on the server's port.
	for probeName, want := range map[string]string{"readinessProbe": express.ReadyPath, "livenessProbe": express.LivePath, "startupProbe": express.LivePath} {
		p := get(c, probeName)
		if p == nil {
			if probeName != "startupProbe" {
				t.Errorf("%s: no %s", where, probeName)
			}
			continue
		}
		if got := get(p, "httpGet", "path"); got != want {
			t.Errorf("%s: %s asks %v, want %s", where, probeName, got, want)
		}
		pp := get(p, "httpGet", "port")
		n, isNum := asInt(pp)
		if !isNum {
			n = named[fmt.Sprint(pp)]
		}
		if n != port {
			t.Errorf("%s: %s asks port %v, but start-server listens on %d", where, probeName, pp, port)
		}
	}

	// The grace period covers the preStop sleep, the drain and the cut.
	tgps, ok := asInt(get(d, "spec", "template", "spec", "terminationGracePeriodSeconds"))
	if !ok {
		tgps = 30 // Kubernetes' default
	}
	sleep, _ := asInt(get(c, "lifecycle", "preStop", "sleep", "seconds"))
	if grace == 0 {
		t.Errorf("%s: --graceful-stop-timeout 0: SIGTERM would cut requests", where)
	}
	if need := sleep + grace + backstop; tgps < need {
		t.Errorf("%s: terminationGracePeriodSeconds %d < preStop sleep %d + --graceful-stop-timeout %d + %d", where, tgps, sleep, grace, backstop)
	}
	if sleep == 0 {
		t.Errorf("%s: no preStop sleep: connections sent before the endpoints change would be refused", where)
	}

	// Resources: requests for scheduling, a memory limit.
	for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
		a, b, _ := strings.Cut(r, ".")
		if get(c, "resources", a, b) == nil {
			t.Errorf("%s: no resources.%s", where, r)
		}
	}
}

func checkService(t *testing.T, where string, s map[string]any, deployments map[string]map[string]any) {
	t.Helper()
	if len(deployments) == 0 {
		return // a block showing a Service on its own (metrics)
	}
	sel, _ := get(s, "spec", "selector").(map[string]any)
	for name, d := range deployments {
		labels, _ := get(d, "spec", "template", "metadata", "labels").(map[string]any)
		match := len(sel) > 0
		for k, v := range sel {
			if labels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		ports := map[string]bool{}
		for _, p := range asAnyList(get(d, "spec", "template", "spec", "containers", 0, "ports")) {
			ports[fmt.Sprint(get(p, "name"))] = true
			ports[fmt.Sprint(get(p, "containerPort"))] = true
		}
		for _, p := range asAnyList(get(s, "spec", "ports")) {
			if tp := fmt.Sprint(get(p, "targetPort")); !ports[tp] {
				t.Errorf("%s: targetPort %s is not a port of Deployment %s", where, tp, name)
			}
		}
		return
	}
	t.Errorf("%s: its selector %v matches no Deployment of the block", where, sel)
}

func asAnyList(v any) []any {
	l, _ := v.([]any)
	return l
}
