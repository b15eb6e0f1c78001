const express = require("express");

const MAX_LENGTH = 200;
const LIMIT = 10n ** 15n;

class CalcError extends Error {}

function checked(value) {
  if (value > LIMIT || value < -LIMIT) throw new CalcError("result out of range");
  return value;
}

function tokenize(text) {
  const token = /\s*(?:([0-9]+)|(\*\*|[-+*/()]))/y;
  const tokens = [];
  text = text.trimEnd();
  while (token.lastIndex < text.length) {
    const start = token.lastIndex;
    const match = token.exec(text);
    if (!match) throw new CalcError(`unexpected character at position ${start + 1}`);
    tokens.push(match[1] !== undefined ? BigInt(match[1]) : match[2]);
  }
  return tokens;
}

// Recursive descent: sum -> product -> unary -> power -> atom, on BigInt.
function evaluate(text) {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];

  function sum() {
    let value = product();
    while (peek() === "+" || peek() === "-") {
      const op = take();
      const rhs = product();
      value = checked(op === "+" ? value + rhs : value - rhs);
    }
    return value;
  }
  function product() {
    let value = unary();
    while (peek() === "*" || peek() === "/") {
      const op = take();
      const rhs = unary();
      if (op === "*") value = checked(value * rhs);
      else if (rhs === 0n) throw new CalcError("division by zero");
      else value = value / rhs; // BigInt division rounds toward zero
    }
    return value;
  }
  function unary() {
    if (peek() === "-") {
      take();
      return -unary();
    }
    return power();
  }
  function power() {
    const base = atom();
    if (peek() !== "**") return base;
    take();
    const exponent = unary();
    if (exponent < 0n) throw new CalcError("negative exponents are not supported");
    return checked(base ** exponent);
  }
  function atom() {
    const tok = take();
    if (tok === "(") {
      const value = sum();
      if (take() !== ")") throw new CalcError("missing closing parenthesis");
      return value;
    }
    if (typeof tok === "bigint") return checked(tok);
    throw new CalcError("expected a number or '('");
  }

  const value = sum();
  if (pos < tokens.length) throw new CalcError("unexpected input after the expression");
  return value;
}

const app = express();
app.use(express.json({ limit: "16kb" }));

app.post("/calc", (req, res) => {
  const expression = req.body && req.body.expression;
  if (typeof expression !== "string") {
    return res.status(400).json({ error: 'send a JSON object with a string "expression"' });
  }
  if (expression.length > MAX_LENGTH) {
    return res.status(400).json({ error: `expression longer than ${MAX_LENGTH} characters` });
  }
  try {
    return res.json({ result: Number(evaluate(expression)) });
  } catch (err) {
    if (err instanceof CalcError) return res.status(400).json({ error: err.message });
    throw err;
  }
});

app.use((err, req, res, next) => {
  res.status(err.status && err.status < 500 ? err.status : 500).json({ error: "bad request" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
