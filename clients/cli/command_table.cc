// archivectl's command table (command_table.h).
#include "clients/cli/command_table.h"

#include <iostream>

#include "clients/cli/exit_codes.h"

namespace archive {
namespace cli {
namespace {

constexpr char kGlobalHelp[] =
    "Global options (before or after the command):\n"
    "  --server HOST:PORT  archive to talk to (default $ARCHIVE_SERVER, else "
    "127.0.0.1:7070)\n"
    "  --json              machine-readable output\n"
    "  --trust FILE        trusted archive keys, one verifier key per line "
    "(default\n"
    "                      $XDG_CONFIG_HOME/archivectl/trusted; without "
    "--trust an unknown\n"
    "                      archive's key is pinned on first use, and so is "
    "the address\n"
    "                      that served it, in "
    "$XDG_CONFIG_HOME/archivectl/known_archives\n"
    "                      (\"HOST:PORT VERIFIER_KEY\" lines): another "
    "origin or key at a\n"
    "                      pinned address is refused until its line is "
    "removed)\n"
    "  --as NAME           without TLS, submit as local:NAME instead of "
    "local\n"
    "  --tls_ca FILE       connect with TLS, checking the server's certificate "
    "against the\n"
    "                      CA certificates (PEM) in FILE\n"
    "  --tls_cert FILE     client certificate (PEM) for mutual TLS; with "
    "--tls_key\n"
    "  --tls_key FILE      the client certificate's private key (PEM)\n"
    "  --witness_policy FILE  count a checkpoint only with the quorum of "
    "cosignatures\n"
    "                      its lines ask: \"witness <cosigner verifier key> "
    "[URL]\" and\n"
    "                      \"quorum <k>\" (C2SP tlog-witness); says who "
    "cosigned and who\n"
    "                      did not; \"mirror <key> [URL]\" and \"mirror_quorum "
    "<k>\" ask\n"
    "                      for k mirrors' cosignatures (C2SP tlog-mirror: "
    "stored copies)\n"
    "  --help, -h          this help, or a command's with COMMAND --help\n"
    "  --version           archivectl's version, commit and build type\n";

}  // namespace

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"put",
       {"put FILE --id DOC [--title T] [--issuer I] [--number N] [--region R] "
        "[--date YYYY-MM-DD]\n"
        "    [--status S] [--source S] [--note TEXT] [--parent REV]... "
        "[--media-type TYPE]\n"
        "    [--effective YYYY-MM-DD] [--expires YYYY-MM-DD] "
        "[--relation KIND:DOC]... [--keep-metadata]",
        "Archive FILE as a new revision of DOC and print its revision id. "
        "Status defaults to\n"
        "in_force (draft|in_force|amended|repealed|expired); the media type is "
        "guessed from\n"
        "the bytes. --parent makes the put conditional: it fails if DOC's head "
        "is no longer\n"
        "REV; naming every head of a conflicted document merges them. Putting "
        "what is\n"
        "already the head (same content and metadata) stores nothing and "
        "prints its id.\n"
        "--date is the issue date; --effective and --expires the dates the "
        "policy applies\n"
        "from and until. --relation declares a relation to another document: "
        "KIND is\n"
        "repeals, amends, implements or supersedes (or repealed-by, "
        "amended-by,\n"
        "implemented-by, superseded-by), e.g. --relation "
        "repeals:gx-2020-guizhengbanfa-70.\n"
        "--keep-metadata starts from the head's metadata (title, issuer, "
        "number, region,\n"
        "dates, source, status, relations; not the note or media type), "
        "flags given override\n"
        "it, and the put is conditional on that head: a correction keeps its "
        "metadata.",
        {"id", "title", "issuer", "number", "region", "date", "status",
         "source", "note", "parent", "media-type", "effective", "expires",
         "relation", "keep-metadata"},
        1,
        1,
        RunPut}},
      {"get",
       {"get DOC [--rev REV | --head] [-o FILE] [--receipt DIR]",
        "Fetch and verify the authoritative version of DOC (newest non-draft "
        "revision on\n"
        "its single head), or REV, or with --head the head even if a draft. "
        "Verifies the\n"
        "digest, the statement's signature, its inclusion in a checkpoint "
        "signed by a\n"
        "trusted key and that checkpoint's consistency with the last one seen; "
        "only then is\n"
        "FILE written (atomically). Without -o the bytes go to stdout. "
        "--receipt DIR writes\n"
        "statement.note, statement.txt, statement.sig, checkpoint.note and "
        "inclusion.json.",
        {"rev", "head", "output", "receipt"},
        1,
        1,
        RunGet}},
      {"status",
       {"status DOC STATUS [--by OTHER_DOC] [--note TEXT] [--effective DATE] "
        "[--expires DATE]",
        "Record a lifecycle change of DOC as a new revision with the same "
        "content (no bytes\n"
        "are uploaded) and metadata, only STATUS (draft|in_force|amended|"
        "repealed|expired)\n"
        "and the given fields changed. --by OTHER_DOC records who did it: "
        "repealed -> the\n"
        "relation repealed-by OTHER_DOC, amended -> amended-by, expired -> "
        "superseded-by.\n"
        "The change is conditional on DOC's current head, so two people "
        "cannot overwrite\n"
        "each other. The authoritative version of a document is its newest "
        "non-draft\n"
        "revision on its single head, so a repealed policy's text stays "
        "retrievable and\n"
        "`archivectl ls --status in_force` no longer lists it.",
        {"by", "note", "effective", "expires"},
        2,
        2,
        RunStatus}},
      {"relations",
       {"relations DOC",
        "Relations of DOC both ways: those its head declares (DOC repeals X) "
        "and those other\n"
        "documents declare about it (Y repeals DOC, shown as DOC repealed-by "
        "Y).",
        {},
        1,
        1,
        RunRelations}},
      {"search",
       {"search QUERY... [--limit N]",
        "Full-text search over the authoritative text of every document. "
        "Every term (split\n"
        "on spaces) must occur exactly; Chinese needs no spaces (数据共享 "
        "finds the phrase).\n"
        "Matches ignore ASCII case. Prints documents best first, each with "
        "a snippet around\n"
        "the first match marked 【…】. Default limit 20.",
        {"limit"},
        1,
        64,
        RunSearch}},
      {"history",
       {"history DOC",
        "List DOC's revisions, newest first, marking the head(s) and the "
        "authoritative\n"
        "revision (newest non-draft on the single head).",
        {},
        1,
        1,
        RunHistory}},
      {"ls",
       {"ls [--region R] [--issuer I] [--number N] [--status S] [--from DATE] "
        "[--to DATE]\n"
        "    [--query TEXT]",
        "List documents with their head, filtered on the newest revision's "
        "metadata.",
        {"region", "issuer", "number", "status", "from", "to", "query"},
        0,
        0,
        RunList}},
      {"diff",
       {"diff DOC REV_A REV_B [--plain | --chars | --color]",
        "Unified line diff between two verified revisions of DOC. Written to "
        "a terminal, the\n"
        "changed characters within each changed line are shown in colour; "
        "--chars (or\n"
        "--words) marks them as [-removed-] and {+added+} instead, --color "
        "forces colour.\n"
        "Characters are whole UTF-8 code points, and a removed or added line "
        "break shows\n"
        "as \u21b5. Otherwise (--plain, or not a terminal) the output is the "
        "plain unified\n"
        "diff, byte-identical to GNU `diff -u --minimal`.",
        {"plain", "chars", "words", "color"},
        3,
        3,
        RunDiff}},
      {"import",
       {"import MANIFEST.tsv --dir DIR [--revision raw|clean|both] "
        "[--status S] [--note TEXT]\n"
        "    | import --bagit DIR",
        "Archive every document MANIFEST.tsv lists (tab-separated, header "
        "line first; columns\n"
        "id (required), region, title, issuer, doc_number, date, note, "
        "status, source,\n"
        "raw_sha256, raw_bytes, clean_sha256, clean_bytes) with its metadata. "
        "Files: DIR/raw/ID.txt\n"
        "and DIR/clean/ID.txt if DIR has raw/ and clean/ (--revision both, "
        "the default, puts\n"
        "raw then clean as two revisions), else DIR/ID.txt (the clean text). "
        "Each file is\n"
        "checked against the manifest's sha256 and bytes before it is sent; a "
        "mismatch fails\n"
        "that row only. Safe to run again: what the archive already holds is "
        "verified and\n"
        "skipped, an interrupted import resumes. Status: --status, else the "
        "status column,\n"
        "else a note starting with a status word, else in_force. Exits "
        "non-zero if any row\n"
        "failed, naming each.\n\n"
        "With --bagit DIR: validate the bag at DIR completely (bagit.txt, "
        "every manifest\n"
        "checksum both ways, Payload-Oxum, tag manifest, every statement's "
        "signature by a\n"
        "trusted origin, every content digest) and only then import its "
        "revisions, keeping\n"
        "their signed statements: same revision ids, origin, submitter and "
        "time. Revisions\n"
        "already there are skipped and counted. The archive must trust the "
        "statements'\n"
        "origins too (archived --trust).",
        {"dir", "revision", "status", "note", "bagit"},
        0,
        1,
        RunImport}},
      {"verify",
       {"verify FILE --id DOC [--rev REV]",
        "Check that FILE is byte-identical to DOC's authoritative (or the "
        "given) revision.\n"
        "Exits 0 if it is, 4 with the reason if not.",
        {"id", "rev", "head"},
        1,
        1,
        RunVerify}},
      {"statement",
       {"statement REV [--no-verify]",
        "Print REV's signed statement verbatim, after checking its signature.",
        {"no-verify"},
        1,
        1,
        RunStatement}},
      {"checkpoint",
       {"checkpoint",
        "Print the archive's latest signed checkpoint, after verifying it.",
        {},
        0,
        0,
        RunCheckpoint}},
      {"scrub",
       {"scrub [--repair] [--peer HOST:PORT]...",
        "Make the server re-hash every stored document and check every "
        "statement, metadata\n"
        "record and log leaf, and report all damage. With --repair, damaged "
        "documents are\n"
        "fetched again from the configured peers (and each --peer), verified, "
        "and replaced;\n"
        "damaged revision records are restored from a peer's copy of their "
        "signed statement\n"
        "(accepted only if it is the statement this archive's log holds), "
        "and once all are\n"
        "back the metadata store is rewritten without its damaged blocks. "
        "Exits non-zero if\n"
        "damage remains.",
        {"repair", "peer"},
        0,
        0,
        RunScrub}},
      {"check",
       {"check DOC [--rev REV]",
        "四性检测: check every revision of DOC (newest first), or only REV, "
        "for\n"
        "authenticity 真实性 (statement signed by a trusted origin, "
        "provenance present and\n"
        "plausible), integrity 完整性 (content re-hashed, inclusion in a "
        "signed checkpoint\n"
        "consistent with the ones seen, title/issuer/number/date present), "
        "usability 可用性\n"
        "(bytes readable, non-empty, matching the media type) and security "
        "安全性 (TLS, who\n"
        "may read, archive, sync and administer, the last scrub). Each is "
        "pass, warn or\n"
        "fail with the reasons; exits 1 if any fails. --json gives the report "
        "for records\n"
        "systems (see README).",
        {"rev"},
        1,
        1,
        RunCheck}},
      {"sync",
       {"sync PEER_HOST:PORT",
        "Make the server (--server) pull from the archive at PEER_HOST:PORT "
        "now and print\n"
        "what it imported. The peer's origin must be trusted by the server "
        "(archived\n"
        "--trust or --config). Every checkpoint, entry and statement is "
        "verified; a\n"
        "forked or shrunk peer log, a bad signature or content that does not "
        "match its\n"
        "digest stops the pull with a non-zero exit, keeping everything "
        "already here.",
        {},
        1,
        1,
        RunSync}},
      {"export",
       {"export --bagit DIR [--id DOC]...",
        "Write every revision of each DOC (of every document without --id) "
        "into a new\n"
        "BagIt bag (RFC 8493) at DIR: content, signed statement and receipt "
        "per revision,\n"
        "parents before children, with SHA-256 manifests and bag-info.txt "
        "naming the\n"
        "archive, its key and the checkpoint the export was verified against. "
        "Every\n"
        "revision is verified first. DIR must not exist or be empty; nothing "
        "appears\n"
        "there unless the whole export succeeds.",
        {"bagit", "id"},
        0,
        0,
        RunExport}},
      {"backup",
       {"backup DIR",
        "Write an online backup of the whole archive into the new directory "
        "DIR: its latest\n"
        "checkpoint (verified), every log entry below it in order and every "
        "content they\n"
        "name, each re-hashed as it is written, with a sha256sum manifest. "
        "Puts may go on\n"
        "meanwhile: the log is append-only, so the copy is consistent at that "
        "checkpoint.\n"
        "Nothing appears at DIR unless the whole backup succeeds (it is "
        "written into\n"
        "DIR.partial first). Needs the peer or admin role. The private key is "
        "not included:\n"
        "back up the server's DATA_DIR/keys/ apart. Restore with archived "
        "--restore_from=DIR.",
        {},
        1,
        1,
        RunBackup}},
      {"proof",
       {"proof inclusion REV [--size N] | proof consistency OLD NEW",
        "Print an RFC 6962 proof as JSON.",
        {"size"},
        2,
        3,
        RunProof}},
      {"version",
       {"version",
        "Print archivectl's version, then the server's (GetArchiveInfo). If "
        "the server\n"
        "cannot be reached, the client's version is still printed, and the "
        "exit code says\n"
        "why (5: unreachable).",
        {},
        0,
        0,
        RunVersion}},
      // help and completion need no archive; Main runs them (LocalCommand).
      {"help",
       {"help [COMMAND]",
        "Print the commands, or COMMAND's help (as archivectl COMMAND --help).",
        {},
        0,
        1,
        nullptr}},
      {"completion",
       {"completion bash",
        "Print a bash completion script for archivectl's commands and flags. "
        "Use:\n"
        "  source <(archivectl completion bash)",
        {},
        1,
        1,
        nullptr}},
  };
  return *commands;
}

FlagSpec AllFlags() {
  FlagSpec spec;
  spec.with_value = {"server",  "trust",         "as", "tls_ca", "tls_cert",
                     "tls_key", "witness_policy"};
  spec.boolean = {"json",      "help",   "version",      "head",
                  "no-verify", "repair", "plain",        "chars",
                  "words",     "color",  "keep-metadata"};
  for (const auto& [name, cmd] : Commands()) {
    for (const std::string& f : cmd.flags) {
      if (!spec.boolean.count(f)) spec.with_value.insert(f);
    }
  }
  spec.aliases = {{"-o", "output"}, {"-h", "help"}};
  return spec;
}

// The command table as help and completion see it (completion.h).
CliTable Table() {
  CliTable table;
  for (const auto& [name, cmd] : Commands()) {
    CommandFlags c{name, {cmd.flags.begin(), cmd.flags.end()}, {}};
    if (name == "help") {
      for (const auto& [other, unused] : Commands()) c.words.push_back(other);
    }
    if (name == "completion") c.words = {"bash"};
    if (name == "proof") c.words = {"inclusion", "consistency"};
    table.commands.push_back(std::move(c));
  }
  table.global_flags = {"server",  "json",          "trust",   "as",
                        "tls_ca",  "tls_cert",      "tls_key", "help",
                        "version", "witness_policy"};
  table.with_value = AllFlags().with_value;
  return table;
}

void PrintHelp() {
  std::cout << "archivectl: client for Policy Archive, a verifiable archive of "
               "policy "
               "documents.\n\nCommands:\n";
  for (const auto& [name, cmd] : Commands())
    std::cout << "  " << cmd.usage << "\n";
  std::cout << "\n"
            << kGlobalHelp << "\n"
            << kExitCodesHelp
            << "\nRun archivectl help COMMAND (or archivectl COMMAND --help) "
               "for details.\n";
}

void PrintCommandHelp(const Command& cmd) {
  std::cout << "usage: archivectl " << cmd.usage << "\n\n" << cmd.help << "\n";
  if (!cmd.flags.empty()) {
    std::cout << "\nFlags: " << FlagList({cmd.flags.begin(), cmd.flags.end()})
              << "\n";
  }
  std::cout << "\n" << kGlobalHelp;
}

}  // namespace cli
}  // namespace archive
