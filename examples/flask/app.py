from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from Flask on Apache and mod_wsgi!\n"


@app.route("/hello/<name>")
def hello(name):
    return "Hello, %s!\n" % name
