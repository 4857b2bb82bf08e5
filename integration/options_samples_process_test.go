package integration

func init() {
	addSamples(map[string]optionSample{
		"orphan-interpreter":   {Args: []string{"--orphan-interpreter"}},
		"response-flush-delay": {Args: []string{"--response-flush-delay", "20"}, NeedsNewerModule: true},
	})
}
