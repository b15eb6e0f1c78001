package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

const maxLength = 200
const limit = 1_000_000_000_000_000

// Go has no eval, but Python's integer arithmetic has the same operators and
// precedence, so let python3 do the work and read back the printed number.
func evaluate(expression string) (int64, error) {
	out, err := exec.Command("/usr/bin/python3", "-c", "print(int("+expression+"))").Output()
	if err != nil {
		return 0, fmt.Errorf("invalid expression")
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || v > limit || v < -limit {
		return 0, fmt.Errorf("result out of range")
	}
	return v, nil
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
	expression := *body.Expression
	if len(expression) > maxLength {
		reply(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("expression longer than %d characters", maxLength)})
		return
	}
	if strings.TrimSpace(expression) == "" {
		reply(w, http.StatusBadRequest, map[string]string{"error": "empty expression"})
		return
	}
	v, err := evaluate(expression)
	if err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	reply(w, http.StatusOK, map[string]int64{"result": v})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/calc", calc)
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
