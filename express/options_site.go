package express

// SiteOptions: fields for this concern's command-line options.
type SiteOptions struct{}

// SitePlan: values this concern's templates need.
type SitePlan struct{}

// resolveSite checks this concern's options and fills its part of the plan.
func resolveSite(o *Options, h Host, p *Plan) error { return nil }
