"""A trainee's JupyterLab on the program's hub: the Assignment List, no instructor tools."""

c = get_config()  # type: ignore[name-defined]  # noqa: F821

# nbgrader's instructor extensions are not loaded at all (the Lab plugins are disabled in
# labconfig/page_config.json): a trainee's server answers 404 on /formgrader.
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
# No "fetch Jupyter news?" prompt, no update check, no extension manager.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
