/* xattr-dump: the extended attributes of files, for shell tests (Debian's
 * `attr` package, with getfattr, is not a build dependency).  A test tool,
 * not installed.
 *
 *   xattr-dump [--stat] FILE...
 *   xattr-dump --set NAME VALUE FILE
 *
 * Prints one line per attribute: `FILE NAME=VALUE`, names sorted, VALUE with
 * every byte outside printable ASCII, and `\`, written as `\xHH`.  A file
 * without attributes gives no line; with --stat each file first gets one line
 * `FILE uid:gid mode` (mode in octal, permission bits only), so that one call
 * snapshots owner, mode and labels of several nodes.  Links are not followed
 * (lstat, llistxattr, lgetxattr).  A file that does not exist prints
 * `FILE missing`.  Other errors: one line on stderr, exit 1 (the other files
 * are still printed).  --set sets one attribute (lsetxattr; VALUE as given,
 * without a terminating NUL), for a test's starting state.  Usage errors
 * exit 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
print_value (const unsigned char *v, ssize_t n)
{
  for (ssize_t i = 0; i < n; i++)
    {
      if (v[i] >= 0x20 && v[i] < 0x7f && v[i] != '\\')
        putchar (v[i]);
      else
        printf ("\\x%02x", v[i]);
    }
}

/* 0 on success, 1 on an error (reported). */
static int
dump (const char *file, int with_stat)
{
  struct stat sb;
  char *names = NULL, **sorted = NULL;
  ssize_t len;
  size_t count = 0;
  int status = 0;

  if (lstat (file, &sb) < 0)
    {
      if (errno == ENOENT)
        {
          printf ("%s missing\n", file);
          return 0;
        }
      fprintf (stderr, "xattr-dump: %s: %s\n", file, strerror (errno));
      return 1;
    }
  if (with_stat)
    printf ("%s %u:%u %o\n", file, (unsigned) sb.st_uid, (unsigned) sb.st_gid,
            (unsigned) (sb.st_mode & 07777));
  for (;;)
    {
      len = llistxattr (file, NULL, 0);
      if (len <= 0)
        break;
      names = realloc (names, (size_t) len);
      if (names == NULL)
        abort ();
      len = llistxattr (file, names, (size_t) len);
      if (len >= 0 || errno != ERANGE)
        break;
    }
  if (len < 0)
    {
      /* A file system without xattrs has none to show. */
      if (errno == ENOTSUP)
        return 0;
      fprintf (stderr, "xattr-dump: listing the attributes of %s: %s\n", file, strerror (errno));
      free (names);
      return 1;
    }
  for (ssize_t i = 0; i < len; i += (ssize_t) strlen (names + i) + 1)
    count++;
  sorted = calloc (count + 1, sizeof *sorted);
  if (sorted == NULL)
    abort ();
  count = 0;
  for (ssize_t i = 0; i < len; i += (ssize_t) strlen (names + i) + 1)
    sorted[count++] = names + i;
  qsort (sorted, count, sizeof *sorted, cmp_str);
  for (size_t i = 0; i < count; i++)
    {
      unsigned char *value = NULL;
      ssize_t n;

      for (;;)
        {
          n = lgetxattr (file, sorted[i], NULL, 0);
          if (n < 0)
            break;
          value = realloc (value, (size_t) n + 1);
          if (value == NULL)
            abort ();
          n = lgetxattr (file, sorted[i], value, (size_t) n);
          if (n >= 0 || errno != ERANGE)
            break;
        }
      if (n < 0)
        {
          /* Removed between the listing and the read. */
          if (errno != ENODATA)
            {
              fprintf (stderr, "xattr-dump: reading %s of %s: %s\n", sorted[i], file,
                       strerror (errno));
              status = 1;
            }
        }
      else
        {
          printf ("%s %s=", file, sorted[i]);
          print_value (value, n);
          putchar ('\n');
        }
      free (value);
    }
  free (sorted);
  free (names);
  return status;
}

int
main (int argc, char **argv)
{
  int with_stat = 0, first = 1, status = 0;

  if (argc > 1 && strcmp (argv[1], "--set") == 0)
    {
      if (argc != 5)
        {
          fprintf (stderr, "usage: xattr-dump --set NAME VALUE FILE\n");
          return 2;
        }
      if (lsetxattr (argv[4], argv[2], argv[3], strlen (argv[3]), 0) < 0)
        {
          fprintf (stderr, "xattr-dump: setting %s on %s: %s\n", argv[2], argv[4],
                   strerror (errno));
          return 1;
        }
      return 0;
    }
  if (argc > 1 && strcmp (argv[1], "--stat") == 0)
    {
      with_stat = 1;
      first = 2;
    }
  if (first >= argc || argv[first][0] == '-')
    {
      fprintf (stderr, "usage: xattr-dump [--stat] FILE... | --set NAME VALUE FILE\n");
      return 2;
    }
  for (int i = first; i < argc; i++)
    status |= dump (argv[i], with_stat);
  if (fflush (stdout) != 0)
    return 1;
  return status;
}
