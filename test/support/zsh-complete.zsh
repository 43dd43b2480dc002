# Presses Tab in a real interactive zsh (zsh/zpty) after each LINE and records what completion offered.
#   zsh -f zsh-complete.zsh FPATH_DIR|SCRIPT OUT_DIR LINE...
# The interactive shell runs compinit with FPATH_DIR first on $fpath (where `noderoll completion zsh`
# was installed as _noderoll), or runs compinit and then sources SCRIPT. Tab is bound to a completion widget that runs zsh's own completion
# (_main_complete) and inserts nothing; compadd is wrapped to append every match it is given to
# OUT_DIR/N (N: the index of the line), and OUT_DIR/N.done marks that the completion of line N ended.
# Exit 0: every line completed (OUT_DIR/N may be absent: nothing offered); 3: a completion did not end in 10 s.
zmodload zsh/zpty || exit 2
fndir=$1 out=$2
shift 2
zpty nr zsh -f -i || exit 2
if [[ -f $fndir ]]; then
  # A script file instead of a directory: sourced after compinit (`source <(noderoll completion zsh)`).
  zpty -w nr "PS1='' PS2=''; autoload -U compinit; compinit -u -D; source ${(q)fndir}"
else
  zpty -w nr "PS1='' PS2='' fpath=(${(q)fndir} \$fpath); autoload -U compinit; compinit -u -D"
fi
zpty -w nr "out=${(q)out} n=0"
# -O/-A/-D calls only compute matches for the caller: delegate them untouched (calling twice would filter -D arrays twice).
zpty -w nr 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -O hits "$@"; (( $#hits )) && print -rl -- $hits >> $out/$n; builtin compadd "$@" }'
zpty -w nr '_nr_tab() { _main_complete; compstate[insert]=; compstate[list]=; print -r -- done > $out/$n.done; (( n++ )) }'
zpty -w nr 'zle -C nr-tab complete-word _nr_tab; bindkey "^I" nr-tab'
i=0
for line in "$@"; do
  zpty -w -n nr "$line"$'\t'
  for (( t = 0; t < 200; t++ )); do
    [[ -e $out/$i.done ]] && break
    sleep 0.05
  done
  if [[ ! -e $out/$i.done ]]; then
    print -u2 "zsh-complete: completion of \"$line\" did not end within 10 s"
    zpty -d nr
    exit 3
  fi
  zpty -w -n nr $'\C-u'
  (( i++ ))
done
zpty -d nr
