package express

// DebugPlan: values debug mode and the development tools need.
type DebugPlan struct {
	DebugMode bool // one Apache process, one thread, in the foreground
}

// resolveDebug handles --debug-mode and the tools that imply it.
func resolveDebug(o *Options, h Host, p *Plan) error {
	if o.DebugMode {
		return usagef("debug-mode", "not implemented yet")
	}
	return nil
}
