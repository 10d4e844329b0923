/* floor: the physical floor of mdev discovery on this machine.
 *
 *   floor ROOT types|list|links|defined|none
 *
 * Reads what `mdevctl types|list|list -d --dumpjson` need and nothing more,
 * the naive way: one openat+read+close per attribute or definition file, one
 * readlinkat per link, one getdents64 pass per directory, every path
 * relative to an open directory fd; prints JSON of mdevctl's shape (sorted
 * like mdevctl: parents, then types or UUIDs) with one buffered stdout.
 * No error handling beyond skipping what cannot be read: it is a yardstick
 * for bench/discovery, not a tool.  "none" does nothing: the baseline for
 * syscall counts.  Built by bench/discovery with cc into a temp dir.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXE 65536

struct ent
{
  char *a;      /* sort key 1: parent */
  char *b;      /* sort key 2: type or uuid */
  char *c;      /* the JSON object body */
};

static int
cmp_ent (const void *x, const void *y)
{
  const struct ent *p = x, *q = y;
  int r = strcmp (p->a, q->a);
  return r ? r : strcmp (p->b, q->b);
}

static int
cmp_str (const void *x, const void *y)
{
  return strcmp (*(char *const *) x, *(char *const *) y);
}

/* Names in dir fd, sorted, without dot entries: one getdents64 pass. */
static char **
list_dir (int dirfd, const char *path, int *n)
{
  int fd = openat (dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d;
  struct dirent *e;
  char **v = NULL;
  int cap = 0;

  *n = 0;
  if (fd < 0 || !(d = fdopendir (fd)))
    return NULL;
  while ((e = readdir (d)))
    {
      if (e->d_name[0] == '.')
        continue;
      if (*n == cap)
        v = realloc (v, (cap = cap ? cap * 2 : 64) * sizeof *v);
      v[(*n)++] = strdup (e->d_name);
    }
  closedir (d);
  qsort (v, *n, sizeof *v, cmp_str);
  return v;
}

/* One openat + one read + one close; strips trailing newlines. */
static char *
read_attr (int dirfd, const char *path)
{
  char buf[8192];
  int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  ssize_t r;

  if (fd < 0)
    return NULL;
  r = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (r < 0)
    return NULL;
  while (r > 0 && buf[r - 1] == '\n')
    r--;
  buf[r] = 0;
  return strdup (buf);
}

static void
json_str (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        fprintf (f, "\\%c", *s);
      else if (*s == '\n')
        fputs (", ", f);         /* mdevctl joins description lines */
      else if ((unsigned char) *s < 0x20)
        fprintf (f, "\\u%04x", *s);
      else
        fputc (*s, f);
    }
  fputc ('"', f);
}

static char *
mem_json (void (*fn) (FILE *, void *), void *arg)
{
  char *p = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&p, &len);
  fn (f, arg);
  fclose (f);
  return p;
}

static void
print_grouped (struct ent *e, int n)
{
  qsort (e, n, sizeof *e, cmp_ent);
  fputc ('[', stdout);
  for (int i = 0; i < n; i++)
    {
      int first = i == 0 || strcmp (e[i].a, e[i - 1].a) != 0;
      int last = i == n - 1 || strcmp (e[i].a, e[i + 1].a) != 0;
      if (first)
        {
          fputc (i ? ',' : '{', stdout);
          json_str (stdout, e[i].a);
          fputs (":[", stdout);
        }
      else
        fputc (',', stdout);
      fputc ('{', stdout);
      json_str (stdout, e[i].b);
      fprintf (stdout, ":%s}", e[i].c);
      if (last)
        fputc (']', stdout);
    }
  fputs (n ? "}]\n" : "]\n", stdout);
}

struct type_attrs { char *name, *desc, *api, *avail; };

static void
type_json (FILE *f, void *arg)
{
  struct type_attrs *t = arg;
  fprintf (f, "{\"available_instances\":%s,\"device_api\":", t->avail ? t->avail : "0");
  json_str (f, t->api ? t->api : "");
  if (t->name)
    {
      fputs (",\"name\":", f);
      json_str (f, t->name);
    }
  if (t->desc)
    {
      fputs (",\"description\":", f);
      json_str (f, t->desc);
    }
  fputc ('}', f);
}

/* types: class links -> parent dirs -> mdev_supported_types/<t>/{4 attrs} */
static int
do_types (int root, struct ent *out)
{
  int np, n = 0;
  int classfd = openat (root, "sys/class/mdev_bus", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char **parents = list_dir (root, "sys/class/mdev_bus", &np);

  for (int i = 0; i < np; i++)
    {
      char link[4096], path[4096];
      ssize_t l = readlinkat (classfd, parents[i], link, sizeof link - 1);
      int nt, tfd;
      char **types;

      if (l < 0)
        continue;
      link[l] = 0;
      /* "../../devices/<path>" relative to sys/class/mdev_bus */
      snprintf (path, sizeof path, "sys/class/mdev_bus/%s/mdev_supported_types", link);
      tfd = openat (root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (tfd < 0)
        continue;
      types = list_dir (tfd, ".", &nt);
      for (int j = 0; j < nt; j++)
        {
          char p[1024];
          struct type_attrs t;
          snprintf (p, sizeof p, "%s/name", types[j]);
          t.name = read_attr (tfd, p);
          snprintf (p, sizeof p, "%s/description", types[j]);
          t.desc = read_attr (tfd, p);
          snprintf (p, sizeof p, "%s/device_api", types[j]);
          t.api = read_attr (tfd, p);
          snprintf (p, sizeof p, "%s/available_instances", types[j]);
          t.avail = read_attr (tfd, p);
          out[n].a = parents[i];
          out[n].b = types[j];
          out[n].c = mem_json (type_json, &t);
          n++;
        }
      close (tfd);
    }
  return n;
}

static void
raw_json (FILE *f, void *arg)
{
  const char *s = arg;
  size_t l = strlen (s);
  while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
    l--;
  fwrite (s, 1, l, f);
}

/* list: device links (2 readlinkat) + the device's definition if any (one
 * openat, + read + close when it exists); "links": the links only, which
 * is what the 6 ms list floor measured, but misses the "start" and
 * "attrs" of defined devices. */
static int
do_list (int root, struct ent *out, int with_definitions)
{
  int nd, n = 0;
  int busfd = openat (root, "sys/bus/mdev/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int etcfd = with_definitions ? openat (root, "etc/mdevctl.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  char **devs = list_dir (root, "sys/bus/mdev/devices", &nd);

  for (int i = 0; i < nd; i++)
    {
      char link[4096], tlink[1024], p[1024], *parent, *type, *slash, *conf;
      ssize_t l = readlinkat (busfd, devs[i], link, sizeof link - 1);
      if (l < 0)
        continue;
      link[l] = 0;
      slash = strrchr (link, '/');
      if (!slash)
        continue;
      *slash = 0;
      parent = strrchr (link, '/') ? strrchr (link, '/') + 1 : link;
      snprintf (p, sizeof p, "%s/mdev_type", devs[i]);
      l = readlinkat (busfd, p, tlink, sizeof tlink - 1);
      if (l < 0)
        continue;
      tlink[l] = 0;
      type = strrchr (tlink, '/') ? strrchr (tlink, '/') + 1 : tlink;
      snprintf (p, sizeof p, "%s/%s", parent, devs[i]);
      conf = etcfd >= 0 ? read_attr (etcfd, p) : NULL;
      out[n].a = strdup (parent);
      out[n].b = devs[i];
      if (conf)
        out[n].c = mem_json (raw_json, conf);    /* the definition as written */
      else
        asprintf (&out[n].c, "{\"mdev_type\":\"%s\",\"start\":\"manual\",\"attrs\":[]}", type);
      n++;
    }
  return n;
}

/* list -d: every etc/mdevctl.d/<parent>/<uuid>, one openat+read+close. */
static int
do_defined (int root, struct ent *out)
{
  int np, n = 0;
  int etcfd = openat (root, "etc/mdevctl.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char **parents = list_dir (root, "etc/mdevctl.d", &np);

  for (int i = 0; i < np; i++)
    {
      int nu, pfd;
      char **uuids;
      if (strcmp (parents[i], "scripts.d") == 0)
        continue;
      pfd = openat (etcfd, parents[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (pfd < 0)
        continue;
      uuids = list_dir (pfd, ".", &nu);
      for (int j = 0; j < nu; j++)
        {
          char *conf = read_attr (pfd, uuids[j]);
          if (!conf)
            continue;
          out[n].a = parents[i];
          out[n].b = uuids[j];
          out[n].c = mem_json (raw_json, conf);
          n++;
        }
      close (pfd);
    }
  return n;
}

int
main (int argc, char **argv)
{
  static struct ent e[MAXE];
  static char obuf[1 << 20];
  int root, n;

  if (argc != 3)
    {
      fprintf (stderr, "usage: floor ROOT types|list|links|defined|none\n");
      return 2;
    }
  if (strcmp (argv[2], "none") == 0)
    return 0;
  setvbuf (stdout, obuf, _IOFBF, sizeof obuf);
  root = open (argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    {
      perror (argv[1]);
      return 1;
    }
  if (strcmp (argv[2], "types") == 0)
    n = do_types (root, e);
  else if (strcmp (argv[2], "list") == 0)
    n = do_list (root, e, 1);
  else if (strcmp (argv[2], "links") == 0)
    n = do_list (root, e, 0);
  else if (strcmp (argv[2], "defined") == 0)
    n = do_defined (root, e);
  else
    return 2;
  print_grouped (e, n);
  return 0;
}
