package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// An API client keeps its session with the X-Session-Token header alone:
// no cookie jar, no cookie sent or set.
func TestAPIVisitsWithHeaderToken(t *testing.T) {
	base := startVisits(t, []string{"-store", "memory"}, nil)
	client := &http.Client{} // no cookie jar
	token := ""
	for want := 1; want <= 3; want++ {
		req, _ := http.NewRequest("GET", base+"/api/visits", nil)
		if token != "" {
			req.Header.Set("X-Session-Token", token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Visits int }
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || body.Visits != want {
			t.Fatalf("call %d: %d, %+v, %v; want 200 and visits %d", want, res.StatusCode, body, err, want)
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("call %d set a cookie: %q", want, sc)
		}
		got := res.Header.Get("X-Session-Token")
		switch {
		case want == 1 && got == "":
			t.Fatal("the first call sent no X-Session-Token")
		case want > 1 && got != "":
			t.Errorf("call %d re-sent the token %q", want, got)
		}
		if want == 1 {
			token = got
		}
	}
	// A forged token starts over.
	req, _ := http.NewRequest("GET", base+"/api/visits", nil)
	req.Header.Set("X-Session-Token", token+"x")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Visits int }
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if body.Visits != 1 {
		t.Errorf("a forged token counted on: visits %d, want 1", body.Visits)
	}
}
