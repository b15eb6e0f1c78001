#!/bin/sh
# Stand-in for the image converter used by the tests: it checks its
# arguments the way the real tool does and writes a recognisable "PNG".
#
# usage: imgconv [OPTION]... INPUT OUTPUT
#   --quality=N   compression quality (default 92)
#   --strip       drop metadata
#   --log=FILE    append a line about this run to FILE
#   --            end of options
quality=92
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    --quality=*) quality=${1#--quality=} ;;
    --strip) ;;
    --log=*) printf 'imgconv run: %s\n' "$*" >> "${1#--log=}" ;;
    -?*) echo "imgconv: unknown option: $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if [ $# -ne 2 ]; then
  echo "usage: imgconv [OPTION]... INPUT OUTPUT" >&2
  exit 2
fi
if [ ! -f "$1" ] || [ ! -s "$1" ]; then
  echo "imgconv: $1: not a readable image" >&2
  exit 1
fi
{
  printf 'PNG-STANDIN\nsource=%s\nquality=%s\n' "$1" "$quality"
  cat -- "$1"
} > "$2" || exit 1
