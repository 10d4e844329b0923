/* simhost: a simulated host serving the kernel's mdev sysfs ABI.
 *
 *   simhost populate HOST.json ROOT
 *   simhost mount [--foreground] HOST.json ROOT
 *   simhost umount ROOT
 *
 * Exit status: 0 success, 1 runtime error, 2 usage error.  Errors are one
 * line on stderr: "simhost: <what>: <path>: <why>".
 */
#include "simhost-fs.h"
#include "simhost-model.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
  "Usage: simhost COMMAND [OPTION...] ARGS\n"
  "\n"
  "Simulated host: serves a sysfs subtree behaving like the Linux 6.1 mdev ABI.\n"
  "\n"
  "Commands:\n"
  "  populate HOST.json ROOT              write a static snapshot to ROOT/sys and ROOT/dev\n"
  "  mount [--foreground] HOST.json ROOT  serve it with FUSE at ROOT/.simhost\n"
  "  umount ROOT                          stop serving and clean up ROOT\n"
  "\n"
  "Run 'simhost COMMAND --help' for a command's details; see docs/simhost.md.\n";

static const char populate_help[] =
  "Usage: simhost populate HOST.json ROOT\n"
  "\n"
  "Writes the host described by HOST.json as plain directories, files and\n"
  "relative symbolic links under ROOT/sys and ROOT/dev (ROOT must exist).\n"
  "Existing directories are reused and existing files and links replaced.\n"
  "The snapshot is static: writing to create or remove does nothing.\n";

static const char mount_help[] =
  "Usage: simhost mount [--foreground] HOST.json ROOT\n"
  "\n"
  "Mounts a FUSE file system serving the host described by HOST.json at\n"
  "ROOT/.simhost (created) and makes ROOT/sys and ROOT/dev links to\n"
  ".simhost/sys and .simhost/dev.  Without --foreground, returns once the\n"
  "mount is ready and keeps serving in the background until\n"
  "'simhost umount ROOT'.  ROOT/.simhost/control takes runtime commands:\n"
  "  hold UUID | release UUID | fault PATH EIO | fault PATH delay MS |\n"
  "  fault PATH vanish | clear [PATH]\n"
  "\n"
  "Options:\n"
  "  -f, --foreground   serve in this process (stops on SIGINT/SIGTERM)\n";

static const char umount_help[] =
  "Usage: simhost umount ROOT\n"
  "\n"
  "Unmounts ROOT/.simhost, waits for the serving process to exit and removes\n"
  "the ROOT/sys and ROOT/dev links and the ROOT/.simhost directory.\n";

static int
usage_error (const char *what, const char *arg)
{
  fprintf (stderr, "simhost: %s%s (try 'simhost --help')\n", what, arg);
  return 2;
}

/* Splits argv into options and positional arguments.  Recognized options:
 * --help/-h always, --foreground/-f when allowed.  Returns -1 on success,
 * else the exit status. */
static int
parse_args (const char *command, int argc, char **argv, gboolean allow_foreground,
            const char *help, guint want, const char **pos, gboolean *foreground)
{
  guint npos = 0;
  gboolean only_pos = FALSE;
  g_autofree char *cmd_sp = g_strconcat (command, " ", NULL);

  for (int i = 0; i < argc; i++)
    {
      const char *a = argv[i];

      if (!only_pos && strcmp (a, "--") == 0)
        only_pos = TRUE;
      else if (!only_pos && (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0))
        {
          fputs (help, stdout);
          return fflush (stdout) == 0 ? 0 : 1;
        }
      else if (!only_pos && allow_foreground &&
               (strcmp (a, "--foreground") == 0 || strcmp (a, "-f") == 0))
        *foreground = TRUE;
      else if (!only_pos && a[0] == '-' && a[1] != '\0')
        {
          fprintf (stderr, "simhost: %s: unknown option: %s (try 'simhost %s --help')\n",
                   command, a, command);
          return 2;
        }
      else
        {
          if (npos == want)
            {
              fprintf (stderr, "simhost: %s: unexpected argument: %s (try 'simhost %s --help')\n",
                       command, a, command);
              return 2;
            }
          pos[npos++] = a;
        }
    }
  if (npos < want)
    {
      fprintf (stderr, "simhost: %s: missing %s (try 'simhost %s --help')\n", command,
               want == 1 ? "ROOT" : (npos == 0 ? "HOST.json and ROOT" : "ROOT"), command);
      return 2;
    }
  for (guint i = 0; i < npos; i++)
    if (!*pos[i])
      {
        fprintf (stderr, "simhost: %s: empty argument (try 'simhost %s --help')\n", command,
                 command);
        return 2;
      }
  return -1;
}

static ShHost *
load_host (const char *file)
{
  g_autoptr(GError) error = NULL;
  ShHost *host = sh_host_load (file, &error);

  if (!host)
    fprintf (stderr, "simhost: invalid host file: %s: %s\n", file, error->message);
  return host;
}

static int
cmd_populate (int argc, char **argv)
{
  const char *pos[2];
  g_autoptr(ShHost) host = NULL;
  g_autoptr(GError) error = NULL;
  gboolean fg = FALSE;
  int rc = parse_args ("populate", argc, argv, FALSE, populate_help, 2, pos, &fg);
  int fd;

  if (rc >= 0)
    return rc;
  host = load_host (pos[0]);
  if (!host)
    return 1;
  fd = open (pos[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      fprintf (stderr, "simhost: cannot open root: %s: %s\n", pos[1], g_strerror (errno));
      return 1;
    }
  if (!sh_host_populate (host, fd, pos[1], &error))
    {
      close (fd);
      fprintf (stderr, "simhost: %s\n", error->message);
      return 1;
    }
  close (fd);
  return 0;
}

static int
cmd_mount (int argc, char **argv)
{
  const char *pos[2];
  g_autoptr(ShHost) host = NULL;
  gboolean fg = FALSE;
  int rc = parse_args ("mount", argc, argv, TRUE, mount_help, 2, pos, &fg);

  if (rc >= 0)
    return rc;
  host = load_host (pos[0]);
  if (!host)
    return 1;
  return sh_fs_mount (host, pos[1], fg);
}

static int
cmd_umount (int argc, char **argv)
{
  const char *pos[1];
  gboolean fg = FALSE;
  int rc = parse_args ("umount", argc, argv, FALSE, umount_help, 1, pos, &fg);

  if (rc >= 0)
    return rc;
  return sh_fs_umount (pos[0]);
}

int
main (int argc, char **argv)
{
  const char *command;

  setlocale (LC_ALL, "");
  if (argc < 2)
    return usage_error ("missing command", "");
  command = argv[1];
  if (strcmp (command, "--help") == 0 || strcmp (command, "-h") == 0 ||
      strcmp (command, "help") == 0)
    {
      fputs (usage_text, stdout);
      return fflush (stdout) == 0 ? 0 : 1;
    }
  if (strcmp (command, "populate") == 0)
    return cmd_populate (argc - 2, argv + 2);
  if (strcmp (command, "mount") == 0)
    return cmd_mount (argc - 2, argv + 2);
  if (strcmp (command, "umount") == 0 || strcmp (command, "unmount") == 0)
    return cmd_umount (argc - 2, argv + 2);
  return usage_error ("unknown command: ", command);
}
