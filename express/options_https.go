package express

// HTTPSOptions: fields for this concern's command-line options.
type HTTPSOptions struct{}

// HTTPSPlan: values this concern's templates need.
type HTTPSPlan struct{}

// resolveHTTPS checks this concern's options and fills its part of the plan.
func resolveHTTPS(o *Options, h Host, p *Plan) error { return nil }
