package tpch

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The word lists of the TPC-H specification (clause 4.2.2.13) from which
// comments are made. They matter to the queries: Q13 looks for
// '%special%requests%', Q16 for '%Customer%Complaints%', Q9 and Q20 for
// colours in part names.
var (
	nouns = strings.Split("foxes,ideas,theodolites,pinto beans,instructions,dependencies,excuses,platelets,"+
		"asymptotes,courts,dolphins,multipliers,sauternes,warthogs,frets,dinos,attainments,somas,Tiresias,"+
		"patterns,forges,braids,hockey players,frays,warhorses,dugouts,notornis,epitaphs,pearls,tithes,waters,"+
		"orbits,gifts,sheaves,depths,sentiments,decoys,realms,pains,grouches,escapades,packages,requests,"+
		"accounts,deposits", ",")
	verbs = strings.Split("sleep,wake,are,cajole,haggle,nag,use,boost,affix,detect,integrate,maintain,nod,was,"+
		"lose,sublate,solve,thrash,promise,engage,hinder,print,x-ray,breach,eat,grow,impress,mold,poach,serve,"+
		"run,dazzle,snooze,doze,unwind,kindle,play,hang,believe,doubt", ",")
	adjectives = strings.Split("furious,sly,careful,blithe,quick,fluffy,slow,quiet,ruthless,thin,close,dogged,"+
		"daring,brave,stealthy,permanent,enticing,idle,busy,regular,final,ironic,even,bold,silent,special,"+
		"pending,unusual,express", ",")
	adverbs = strings.Split("sometimes,always,never,furiously,slyly,carefully,blithely,quickly,fluffily,slowly,"+
		"quietly,ruthlessly,thinly,closely,doggedly,daringly,bravely,stealthily,permanently,enticingly,idly,"+
		"busily,regularly,finally,ironically,evenly,boldly,silently", ",")
	prepositions = strings.Split("about,above,according to,across,after,against,along,alongside of,among,"+
		"around,at,atop,before,behind,beneath,beside,besides,between,beyond,by,despite,during,except,for,from,"+
		"in place of,inside,instead of,into,near,of,on,outside,over,past,since,through,throughout,to,toward,"+
		"under,until,up,upon,without,with,within", ",")
	auxiliaries = strings.Split("do,may,might,shall,will,would,can,could,should,ought to,must,will have to,"+
		"shall have to,could have to,should have to,must have to,need to,try to", ",")
	terminators = []string{".", ";", ":", "?", "!", "--"}
)

// colors are the 92 words part names are made of (clause 4.2.3, P_NAME).
var colors = strings.Split("almond,antique,aquamarine,azure,beige,bisque,black,blanched,blue,blush,brown,"+
	"burlywood,burnished,chartreuse,chiffon,chocolate,coral,cornflower,cornsilk,cream,cyan,dark,deep,dim,"+
	"dodger,drab,firebrick,floral,forest,frosted,gainsboro,ghost,goldenrod,green,grey,honeydew,hot,indian,"+
	"ivory,khaki,lace,lavender,lawn,lemon,light,lime,linen,magenta,maroon,medium,metallic,midnight,mint,"+
	"misty,moccasin,navajo,navy,olive,orange,orchid,pale,papaya,peach,peru,pink,plum,powder,puff,purple,"+
	"red,rose,rosy,royal,saddle,salmon,sandy,seashell,sienna,sky,slate,smoke,snow,spring,steel,tan,thistle,"+
	"tomato,turquoise,violet,wheat,white,yellow", ",")

func pick(r *rand.Rand, words []string) string { return words[r.IntN(len(words))] }

// textPool is the stand-in for dbgen's 300 MB pool of grammatical text: a
// smaller pool made by the same grammar, from which comments are random
// substrings (clause 4.2.2.10).
type textPool struct{ s string }

const poolSize = 1 << 20

func newTextPool(r *rand.Rand) *textPool {
	var b strings.Builder
	for b.Len() < poolSize {
		b.WriteString(sentence(r))
		b.WriteByte(' ')
	}
	return &textPool{s: b.String()}
}

func nounPhrase(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return pick(r, nouns)
	case 1:
		return pick(r, adjectives) + " " + pick(r, nouns)
	case 2:
		return pick(r, adjectives) + ", " + pick(r, adjectives) + " " + pick(r, nouns)
	default:
		return pick(r, adverbs) + " " + pick(r, adjectives) + " " + pick(r, nouns)
	}
}

func verbPhrase(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return pick(r, verbs)
	case 1:
		return pick(r, auxiliaries) + " " + pick(r, verbs)
	case 2:
		return pick(r, verbs) + " " + pick(r, adverbs)
	default:
		return pick(r, auxiliaries) + " " + pick(r, verbs) + " " + pick(r, adverbs)
	}
}

func prepPhrase(r *rand.Rand) string { return pick(r, prepositions) + " the " + nounPhrase(r) }

func sentence(r *rand.Rand) string {
	t := pick(r, terminators)
	switch r.IntN(5) {
	case 0:
		return nounPhrase(r) + " " + verbPhrase(r) + t
	case 1:
		return nounPhrase(r) + " " + verbPhrase(r) + " " + prepPhrase(r) + t
	case 2:
		return nounPhrase(r) + " " + verbPhrase(r) + " " + nounPhrase(r) + t
	case 3:
		return nounPhrase(r) + " " + prepPhrase(r) + " " + verbPhrase(r) + " " + nounPhrase(r) + t
	default:
		return nounPhrase(r) + " " + prepPhrase(r) + " " + verbPhrase(r) + " " + prepPhrase(r) + t
	}
}

// text is a comment of random length in [lo, hi].
func (p *textPool) text(r *rand.Rand, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	off := r.IntN(len(p.s) - n)
	return p.s[off : off+n]
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,. "

// vstring is a random alphanumeric string of length in [lo, hi], as
// addresses are (clause 4.2.2.7).
func vstring(r *rand.Rand, lo, hi int) string {
	b := make([]byte, lo+r.IntN(hi-lo+1))
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

// phone is a phone number whose country code is derived from the nation
// (clause 4.2.2.9), which Q22 relies on.
func phone(r *rand.Rand, nation int64) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, 100+r.IntN(900), 100+r.IntN(900), 1000+r.IntN(9000))
}

// uniformCents is a random amount in [lo, hi] cents.
func uniformCents(r *rand.Rand, lo, hi int64) cents { return cents(lo + r.Int64N(hi-lo+1)) }
