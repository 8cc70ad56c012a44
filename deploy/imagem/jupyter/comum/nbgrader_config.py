# Comum a todos os usuários da imagem: o exchange é o volume compartilhado montado pelo values.yaml.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "cnn-curso-aberto"
c.Exchange.root = "/srv/nbgrader/exchange"
