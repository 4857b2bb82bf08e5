package express

// TuningOptions: fields for this concern's command-line options.
type TuningOptions struct{}

// TuningPlan: values this concern's templates need.
type TuningPlan struct{}

// resolveTuning checks this concern's options and fills its part of the plan.
func resolveTuning(o *Options, h Host, p *Plan) error { return nil }
