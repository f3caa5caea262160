"""A small Flask application for chapter 9: routes, JSON, a form and an error.

Serve it with `09-python flask_app:app` from this directory, with Flask installed in
the active virtualenv; `gunicorn flask_app:app` serves the very same object.
"""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def index():
    return "Hello from Flask\n"


@app.get("/users/<int:user_id>")
def user(user_id):
    return jsonify(id=user_id, name=f"user {user_id}", tags=["reader", "tester"])


@app.post("/form")
def form():
    name = request.form.get("name", "nobody")
    return f"thanks, {name}; you sent {len(request.form)} field(s)\n"


@app.get("/boom")
def boom():
    return 1 // 0
