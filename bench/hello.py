"""The baseline: a bare Flask hello world, served by the same gunicorn settings as the app."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.post("/")
def hello_post():
    return {"status": 200, "message": "accepted"}
