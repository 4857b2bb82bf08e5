package express

// ModuleOptions: fields for this concern's command-line options.
type ModuleOptions struct{}

// ModulePlan: values this concern's templates need.
type ModulePlan struct{}

// resolveModule checks this concern's options and fills its part of the plan.
func resolveModule(o *Options, h Host, p *Plan) error { return nil }
