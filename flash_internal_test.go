package session

import "testing"

// Arrays written with whitespace (another client, or a pretty-printing
// store) get a message appended as valid JSON.
func TestFlashArrayAppend(t *testing.T) {
	for _, c := range []struct{ arr, want string }{
		{"", `["m"]`},
		{"[]", `["m"]`},
		{"[ ]", `["m"]`},
		{"[\n\t]", `["m"]`},
		{`["a"]`, `["a","m"]`},
		{`[ "a" , 1 ]`, `["a" , 1,"m"]`},
	} {
		var arr []byte
		if c.arr != "" {
			arr = []byte(c.arr)
		}
		if got := string(flashArray(arr, []byte(`"m"`))); got != c.want {
			t.Errorf("flashArray(%q) = %s, want %s", c.arr, got, c.want)
		}
	}
}
