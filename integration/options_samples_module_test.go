package integration

func init() {
	addSamples(map[string]optionSample{
		"python-executable": {Args: []string{"--python-executable", "/usr/bin/python3"}},
	})
}
