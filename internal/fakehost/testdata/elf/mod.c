/* A stand-in for mod_wsgi.so in resolver tests: it links libpythonX.Y and
   carries a version string, as the real module does. */
const char mod_wsgi_version[] = "4.9.4";
const char python_version[] = "3.11.1";
extern int fake_python_symbol;
int *use(void) { return &fake_python_symbol; }
