// Command mod_wsgi-express runs a Python WSGI application with Apache httpd
// and mod_wsgi, writing the whole server configuration itself.
package main

import (
	"os"

	"github.com/modwsgi-go/mod_wsgi-express/cmd"
)

func main() {
	os.Exit(cmd.Execute(cmd.DefaultFactory(), os.Args[1:]))
}
