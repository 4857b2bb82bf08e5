package express

import (
	"fmt"

	"github.com/modwsgi-go/mod_wsgi-express/telemetry/source"
)

// summary is what start-server and setup-server print before Apache
// starts: where things are and how the server is shaped.
func summary(p *Plan) []SummaryLine {
	var out []SummaryLine
	add := func(n, v string) { out = append(out, SummaryLine{n, v}) }
	add("Server URL", p.Network.URL)
	if p.HTTPS.URL != "" {
		add("Server URL (HTTPS)", p.HTTPS.URL)
	}
	add("Server Root", p.Paths.ServerRoot)
	add("Server Conf", p.Paths.ConfigFile)
	l := p.Logging
	rotated := ""
	if l.Rotatelogs != "" {
		rotated = fmt.Sprintf(".DATE, rotated at %d MB", l.MaxLogSize)
	}
	add("Error Log File", l.ErrorLog+rotated+" ("+l.Level+")")
	if l.AccessLog != "" {
		add("Access Log File", l.AccessLog+rotated)
	}
	static := p.Application.Static
	if static {
		add("Operating Mode", "static files (Apache serves them; no application)")
	} else {
		add("Operating Mode", p.Processes.OperatingMode)
	}
	out = append(out, debugSummary(p)...)
	if !static {
		add("Request Capacity", requestCapacity(p))
	}
	add("Server Capacity", fmt.Sprintf("%d (%s MPM)", p.Processes.MPMSize.Capacity, p.Processes.MPM))
	add("Application Type", p.Application.Type)
	if p.Application.EntryPoint != "" {
		add("Entry Point", p.Application.EntryPoint)
	}
	if static {
		add("Document Root", p.Static.DocumentRoot)
	}
	if in := p.Telemetry.Ingester; in != nil {
		how := "sent by mod_wsgi"
		if in.Source == source.Reporter {
			how = "sent by the Python runtime: mod_wsgi " + p.Paths.Module.Version + " sends none itself"
		}
		add("Telemetry URL", in.URL+" ("+how+")")
	}
	add("mod_wsgi Module", p.Paths.Module.Describe())
	if home := p.Paths.Python.Home; home != "" {
		add("Python Home", home)
	}
	if note := p.Processes.AccountNote; note != "" {
		add("Run As", note)
	}
	return out
}
