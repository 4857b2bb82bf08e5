/* A stand-in for mod_wsgi's Windows module (mod_wsgi.cpXY-win_amd64.pyd)
   in discovery tests: a DLL that imports pythonXY.dll and Apache's
   libhttpd.dll and carries version strings, as the real module does. */
__declspec(dllimport) void Py_Initialize(void);
__declspec(dllimport) void ap_log_error(void);
const char mod_wsgi_version[] = MOD_WSGI_VERSION;
const char python_version[] = PYTHON_VERSION;
__declspec(dllexport) void *wsgi_module_refs[] = {(void *)Py_Initialize, (void *)ap_log_error};
