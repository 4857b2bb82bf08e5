package integration

func init() {
	addSamples(map[string]optionSample{
		"orphan-interpreter":   {Args: []string{"--orphan-interpreter"}},
		"response-flush-delay": {Args: []string{"--response-flush-delay", "20"}, NeedsNewerModule: true},
		// The daemon limits (integration/limits_test.go shows their effect).
		"memory-limit":         {Args: []string{"--memory-limit", "512M"}},
		"virtual-memory-limit": {Args: []string{"--virtual-memory-limit", "4G"}},
		"cpu-priority":         {Args: []string{"--cpu-priority", "5"}},
		// Debian's adm group (the tests run as root, as the option needs).
		"supplementary-groups": {Args: []string{"--supplementary-groups", "adm"}},
	})
}
