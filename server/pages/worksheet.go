package pages

// Worksheet is an exercise as the lab page shows it: its Markdown already
// rendered to HTML, and its checks as JSON for the browser to judge.
type Worksheet struct {
	ID     string
	Title  string
	Intro  string // HTML
	Steps  []Step
	Checks string        // JSON: one lab/check.Check a step, for the browser to judge
	Wire   string        // JSON: the lab/worksheet.Wire the exercise's wire starts with; "" for a clear wire
	Next   *ExerciseLink // the worksheet's next exercise; nil for the last
}

// Step is one step of a worksheet, rendered.
type Step struct {
	Title   string
	Text    string   // HTML
	Hints   []string // HTML, revealed one at a time
	Explain string   // HTML, shown once the step passes
	// Ask is the question's label, HTML (inline); "" when the step has
	// none. What the question reads or counts is not in the page: the
	// tab fetches it (/lab/{exercise}/questions) to judge an answer.
	Ask string
}

// ExerciseLink is an exercise in the home page's list.
type ExerciseLink struct {
	ID      string
	Title   string
	Summary string
	Steps   int
	// Locked: in a workshop, the instructor has not opened it yet.
	Locked bool
}

// Service is a service of the lab server's, as the home page lists it.
type Service struct {
	Name        string // "echo"
	Proto       string // "tcp" or "udp"
	Port        uint16
	Description string
}
