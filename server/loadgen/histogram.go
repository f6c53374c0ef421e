package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets a histogram's precision: 2^subBits buckets for each power
// of two, so that a bucket is at most 1/64 (1.6 %) of its values wide.
const subBits = 6

// maxBits bounds the values a histogram tells apart: up to 2^36 µs
// (about 19 hours); larger ones count as the largest.
const maxBits = 36

// histogram counts durations with a fixed relative precision in a fixed
// amount of memory, as an HDR histogram does: values are microseconds,
// exact below 128 µs, and above that in buckets 1/64 of a power of two
// wide. It is not safe for concurrent use.
type histogram struct {
	counts [(maxBits - subBits + 1) << subBits]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

// bucket is the index of the bucket counting v microseconds.
func bucket(v uint64) int {
	e := max(bits.Len64(v)-(subBits+1), 0)
	return e<<subBits + int(v>>e)
}

// bucketValue is the middle of bucket i, in microseconds.
func bucketValue(i int) uint64 {
	if i < 2<<subBits {
		return uint64(i)
	}
	e := i>>subBits - 1
	low := uint64(i-e<<subBits) << e
	return low + (1<<e)/2
}

// record counts d.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	h.counts[bucket(min(uint64(d/time.Microsecond), 1<<maxBits-1))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// add counts every value of o in h.
func (h *histogram) add(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile is the value below which a fraction q of the values lie (the
// nearest rank), within the precision of its bucket; 0 if h is empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := min(max(uint64(math.Ceil(q*float64(h.n))), 1), h.n)
	if rank == h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketValue(i))*time.Microsecond, h.max)
		}
	}
	return h.max
}

// mean is the average value; 0 if h is empty.
func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}
