package integration

func init() {
	addSamples(map[string]optionSample{
		"enable-debugger":    {Args: []string{"--enable-debugger"}},
		"debugger-startup":   {Args: []string{"--enable-debugger", "--debugger-startup"}},
		"enable-profiler":    {Args: []string{"--enable-profiler"}},
		"profiler-directory": {Args: []string{"--enable-profiler", "--profiler-directory", "prof"}},
		"enable-recorder":    {Args: []string{"--enable-recorder"}},
		"recorder-directory": {Args: []string{"--enable-recorder", "--recorder-directory", "rec"}},
		"enable-coverage":    {Args: []string{"--enable-coverage"}},
		"coverage-directory": {Args: []string{"--enable-coverage", "--coverage-directory", "cov"}},
		"enable-gdb":         {Args: []string{"--enable-gdb"}},
		"gdb-executable":     {Args: []string{"--enable-gdb", "--gdb-executable", "/usr/bin/gdb"}},
	})
}
