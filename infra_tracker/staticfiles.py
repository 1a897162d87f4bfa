"""Static files in production: hashed names, compressed copies, and ES module imports rewritten.

The pages' scripts are native ES modules (static/incidents/dashboard/, static/incidents/lib/)
loaded without a build step. Their `import … from "./x.js"` statements name files that
collectstatic stores under hashed names, so the manifest storage rewrites them too.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareStaticFilesStorage(CompressedManifestStaticFilesStorage):
    # Rewrites `import`/`export … from "<relative path>";` to the hashed file names.
    support_js_module_import_aggregation = True
