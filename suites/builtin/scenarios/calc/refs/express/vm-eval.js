const express = require("express");
const vm = require("vm");

const MAX_LENGTH = 200;
const LIMIT = 1e15;

// JavaScript already knows the operators and their precedence, so run the
// expression in a fresh, empty context with a time limit.
function evaluate(expression) {
  const value = vm.runInNewContext(expression, {}, { timeout: 1000 });
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error("the expression is not a finite number");
  }
  const result = Math.trunc(value); // "/" gives a fraction: keep the integer part
  if (Math.abs(result) > LIMIT) throw new Error("result out of range");
  return result;
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
  let result;
  try {
    result = evaluate(expression);
  } catch (err) {
    return res.status(400).json({ error: "invalid expression" });
  }
  return res.json({ result });
});

app.use((err, req, res, next) => {
  res.status(err.status && err.status < 500 ? err.status : 500).json({ error: "bad request" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
