package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"strings"
)

const maxLength = 200
const maxExponent = 64

var limit = new(big.Int).Exp(big.NewInt(10), big.NewInt(15), nil)

type parser struct {
	tokens []string
	pos    int
}

func tokenize(text string) ([]string, error) {
	var tokens []string
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			tokens = append(tokens, text[i:j])
			i = j
		case strings.HasPrefix(text[i:], "**"):
			tokens = append(tokens, "**")
			i += 2
		case strings.IndexByte("+-*/()", c) >= 0:
			tokens = append(tokens, string(c))
			i++
		default:
			return nil, fmt.Errorf("unexpected character at position %d", i+1)
		}
	}
	return tokens, nil
}

func checked(v *big.Int) (*big.Int, error) {
	if v.CmpAbs(limit) > 0 {
		return nil, errors.New("result out of range")
	}
	return v, nil
}

func (p *parser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

func (p *parser) take() string { t := p.peek(); p.pos++; return t }

// Recursive descent: sum -> product -> unary -> power -> atom.
func (p *parser) sum() (*big.Int, error) {
	v, err := p.product()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.take()
		var rhs *big.Int
		if rhs, err = p.product(); err != nil {
			break
		}
		if op == "+" {
			v, err = checked(new(big.Int).Add(v, rhs))
		} else {
			v, err = checked(new(big.Int).Sub(v, rhs))
		}
	}
	return v, err
}

func (p *parser) product() (*big.Int, error) {
	v, err := p.unary()
	for err == nil && (p.peek() == "*" || p.peek() == "/") {
		op := p.take()
		var rhs *big.Int
		if rhs, err = p.unary(); err != nil {
			break
		}
		if op == "*" {
			v, err = checked(new(big.Int).Mul(v, rhs))
		} else if rhs.Sign() == 0 {
			err = errors.New("division by zero")
		} else {
			v = new(big.Int).Quo(v, rhs) // rounds toward zero
		}
	}
	return v, err
}

func (p *parser) unary() (*big.Int, error) {
	if p.peek() == "-" {
		p.take()
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		return new(big.Int).Neg(v), nil
	}
	return p.power()
}

func (p *parser) power() (*big.Int, error) {
	base, err := p.atom()
	if err != nil || p.peek() != "**" {
		return base, err
	}
	p.take()
	exp, err := p.unary()
	if err != nil {
		return nil, err
	}
	if exp.Sign() < 0 || exp.Cmp(big.NewInt(maxExponent)) > 0 {
		return nil, fmt.Errorf("exponent must be between 0 and %d", maxExponent)
	}
	return checked(new(big.Int).Exp(base, exp, nil))
}

func (p *parser) atom() (*big.Int, error) {
	tok := p.take()
	if tok == "(" {
		v, err := p.sum()
		if err == nil && p.take() != ")" {
			err = errors.New("missing closing parenthesis")
		}
		return v, err
	}
	if tok != "" && tok[0] >= '0' && tok[0] <= '9' {
		v, _ := new(big.Int).SetString(tok, 10)
		return checked(v)
	}
	return nil, errors.New("expected a number or '('")
}

func evaluate(text string) (*big.Int, error) {
	tokens, err := tokenize(text)
	if err != nil {
		return nil, err
	}
	p := &parser{tokens: tokens}
	v, err := p.sum()
	if err == nil && p.pos < len(tokens) {
		err = errors.New("unexpected input after the expression")
	}
	return v, err
}

func reply(w http.ResponseWriter, status int, body interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func calc(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		reply(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
		return
	}
	var body struct {
		Expression *string `json:"expression"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&body); err != nil || body.Expression == nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": `send a JSON object with a string "expression"`})
		return
	}
	if len(*body.Expression) > maxLength {
		reply(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("expression longer than %d characters", maxLength)})
		return
	}
	v, err := evaluate(*body.Expression)
	if err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	reply(w, http.StatusOK, map[string]int64{"result": v.Int64()})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/calc", calc)
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
