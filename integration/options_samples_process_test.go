package integration

func init() {
	addSamples(map[string]optionSample{
		"orphan-interpreter": {Args: []string{"--orphan-interpreter"}},
	})
}
